using System.Globalization;
using MaaS.Chain.Following;

namespace MaaS.ServiceDefaults.ChainFacts;

/// <summary>Where a chain fact was read: the log's transaction, block and position.</summary>
public sealed record ChainRef(string TransactionHash, long Block, string BlockHash, long LogIndex)
{
    public string Key => $"{BlockHash}:{LogIndex.ToString(CultureInfo.InvariantCulture)}";

    public static ChainRef From(ChainLog log) => new(log.TransactionHash, log.BlockNumber, log.BlockHash, log.LogIndex);
}

/// <summary>
/// A contract event as a domain event of the aggregate it concerns. Each is appended twice: when its block is first
/// seen (<see cref="Final"/> false) and again when the block is deep enough to be final; in between, a reorg may
/// append a <see cref="ChainFactRetracted"/> instead.
/// </summary>
public interface IChainFact
{
    Guid StreamId { get; }

    ChainRef Ref { get; }

    bool Final { get; }

    DateTimeOffset ObservedAt { get; }
}

/// <summary>The block that carried the fact left the canonical chain: the fact no longer holds.</summary>
public sealed record ChainFactRetracted(Guid StreamId, ChainRef Ref, DateTimeOffset At);

/// <summary>Whether an observation still holds and whether it is final, for read models that show both.</summary>
public enum FactStatus
{
    Observed,
    Final,
    Retracted,
}

/// <summary>
/// One line of an aggregate's chain history, as read models show it. <see cref="Value"/> carries the one number a
/// fact may add to the state (roles, terms version), so a read model can recompute its state after a retraction.
/// </summary>
public sealed record HistoryEntry(string Event, string TransactionHash, long Block, long LogIndex, string Key, FactStatus Status, DateTimeOffset ObservedAt, long? Value = null, string? Detail = null)
{
    public static HistoryEntry From(IChainFact fact, string name, long? value = null, string? detail = null) =>
        new(name, fact.Ref.TransactionHash, fact.Ref.Block, fact.Ref.LogIndex, fact.Ref.Key, fact.Final ? FactStatus.Final : FactStatus.Observed, fact.ObservedAt, value, detail);
}

public static class ChainHistory
{
    /// <summary>Adds an observed fact, or marks it final when it is already there.</summary>
    public static IReadOnlyList<HistoryEntry> Record(this IReadOnlyList<HistoryEntry> history, IChainFact fact, string name, long? value = null, string? detail = null) =>
        fact.Final && history.Any(h => h.Key == fact.Ref.Key)
            ? [.. history.Select(h => h.Key == fact.Ref.Key && h.Status != FactStatus.Retracted ? h with { Status = FactStatus.Final } : h)]
            : [.. history, HistoryEntry.From(fact, name, value, detail)];

    public static IReadOnlyList<HistoryEntry> Retract(this IReadOnlyList<HistoryEntry> history, ChainFactRetracted retraction) =>
        [.. history.Select(h => h.Key == retraction.Ref.Key ? h with { Status = FactStatus.Retracted } : h)];

    /// <summary>The facts that still hold, in chain order.</summary>
    public static IEnumerable<HistoryEntry> Live(this IEnumerable<HistoryEntry> history) =>
        history.Where(h => h.Status != FactStatus.Retracted).OrderBy(h => h.Block).ThenBy(h => h.LogIndex);

    /// <summary>The facts that are final, in chain order.</summary>
    public static IEnumerable<HistoryEntry> Settled(this IEnumerable<HistoryEntry> history) => history.Live().Where(h => h.Status == FactStatus.Final);
}
