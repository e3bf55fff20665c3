using MaaS.ServiceDefaults.ChainFacts;

namespace MaaS.Maintenance;

/// <summary>
/// One chain fact as a read model shows it: where it was read, whether it still holds, whether it is final (and since
/// when), and the few values the state is folded from again after a retraction.
/// </summary>
public sealed record FactEntry(
    string Event, string TransactionHash, long Block, long LogIndex, string Key, FactStatus Status, DateTimeOffset ObservedAt,
    DateTimeOffset? FinalAt = null, string? Actor = null, ulong? Price = null, uint? Eta = null, string? Detail = null);

public static class FactLog
{
    /// <summary>Adds an observed fact, or marks it final when it is already there. A repeated observation changes nothing.</summary>
    public static IReadOnlyList<FactEntry> Record(
        this IReadOnlyList<FactEntry> log, IChainFact fact, string name, string? actor = null, ulong? price = null, uint? eta = null, string? detail = null)
    {
        var held = log.Any(h => h.Key == fact.Ref.Key && h.Status != FactStatus.Retracted);
        if (held && !fact.Final) return log;
        if (held)
            return [.. log.Select(h => h.Key == fact.Ref.Key && h.Status == FactStatus.Observed ? h with { Status = FactStatus.Final, FinalAt = fact.ObservedAt } : h)];
        return [.. log, new FactEntry(name, fact.Ref.TransactionHash, fact.Ref.Block, fact.Ref.LogIndex, fact.Ref.Key,
            fact.Final ? FactStatus.Final : FactStatus.Observed, fact.ObservedAt, fact.Final ? fact.ObservedAt : null, actor, price, eta, detail)];
    }

    public static IReadOnlyList<FactEntry> Retract(this IReadOnlyList<FactEntry> log, ChainFactRetracted retraction) =>
        [.. log.Select(h => h.Key == retraction.Ref.Key && h.Status == FactStatus.Observed ? h with { Status = FactStatus.Retracted } : h)];

    /// <summary>The facts that still hold, in chain order.</summary>
    public static IEnumerable<FactEntry> Live(this IEnumerable<FactEntry> log) =>
        log.Where(h => h.Status != FactStatus.Retracted).OrderBy(h => h.Block).ThenBy(h => h.LogIndex);

    /// <summary>The facts that are final, in chain order.</summary>
    public static IEnumerable<FactEntry> Settled(this IEnumerable<FactEntry> log) => log.Live().Where(h => h.Status == FactStatus.Final);

    /// <summary>Whether <paramref name="fact"/> comes after <paramref name="other"/> in chain order.</summary>
    public static bool IsAfter(this FactEntry fact, FactEntry other) =>
        fact.Block > other.Block || (fact.Block == other.Block && fact.LogIndex > other.LogIndex);
}
