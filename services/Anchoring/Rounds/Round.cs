using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MaaS.OffChain.Telemetry;
using MaaS.ServiceDefaults.ChainFacts;

namespace MaaS.Anchoring.Rounds;

// A round's stream (id = RoundIds.For(root)): cut from waiting batches, committed on chain by the anchorer, observed,
// final. The contract numbers rounds; the root is what this service knows first, so it names the stream.

/// <summary>One batch in a round, in leaf order; <see cref="ToBatchLeaf"/> gives the leaf whose canonical bytes the round tree hashes.</summary>
public sealed record RoundLeaf(Guid BatchId, Guid Machine, long Batch, int Count, string Root, string Cid)
{
    public BatchLeaf ToBatchLeaf() => new(Machine, Batch, Count, Root, Cid);
}

/// <param name="ClosedBy"><c>count</c> (the round was full) or <c>age</c> (its oldest batch waited long enough).</param>
public sealed record RoundCut(Guid RoundKey, int Attempt, IReadOnlyList<RoundLeaf> Leaves, string Root, string ManifestCid, string ClosedBy, DateTimeOffset At);

/// <summary>The round's transaction failed for good; its batches go back to wait for another round.</summary>
public sealed record RoundFailed(Guid RoundKey, int Attempt, string Reason, DateTimeOffset At);

/// <summary>TelemetryAnchor's <c>RoundCommitted</c> for a root this service cut (observed, then final; or retracted by a reorg).</summary>
public sealed record RoundCommittedOnChain(
    Guid StreamId, long RoundId, string Root, uint BatchCount, string ManifestCid, string Anchorer, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

public enum RoundStatus
{
    /// <summary>Cut; its transaction is being sent or mined.</summary>
    Cut,

    /// <summary>Seen in a block that is not final yet.</summary>
    Observed,

    Final,

    Failed,
}

/// <summary>A round as its stream says (inline projection). <see cref="RoundId"/> and the transaction are those of the live observation.</summary>
public sealed record RoundView(
    Guid Id, int Attempt, IReadOnlyList<RoundLeaf> Leaves, string Root, string? ManifestCid, string? ClosedBy, RoundStatus Status,
    long? RoundId, string? TransactionHash, long? Block, IReadOnlyList<HistoryEntry> History, DateTimeOffset CutAt, DateTimeOffset? FinalAt, string? Error)
{
    public static RoundView Create(RoundCut e) => new(e.RoundKey, e.Attempt, e.Leaves, e.Root, e.ManifestCid, e.ClosedBy, RoundStatus.Cut, null, null, null, [],
        e.At, null, null);

    /// <summary>A round committed by this anchorer that this service never cut (its store was reset): kept for the record, never anchored.</summary>
    public static RoundView Create(RoundCommittedOnChain e) =>
        new RoundView(e.StreamId, 0, [], e.Root, e.ManifestCid, null, RoundStatus.Cut, null, null, null, [], e.ObservedAt, null, "not cut by this service").Apply(e);

    public RoundView Apply(RoundCut e) => this with
    {
        Attempt = e.Attempt, Leaves = e.Leaves, ManifestCid = e.ManifestCid, ClosedBy = e.ClosedBy, Status = RoundStatus.Cut, CutAt = e.At, Error = null,
    };

    public RoundView Apply(RoundFailed e) => this with { Status = RoundStatus.Failed, Error = e.Reason };

    public RoundView Apply(RoundCommittedOnChain e) => Recompute(this with { History = History.Record(e, "RoundCommitted", e.RoundId) }, e.ObservedAt);

    public RoundView Apply(ChainFactRetracted e) => Recompute(this with { History = History.Retract(e) }, e.At);

    private static RoundView Recompute(RoundView r, DateTimeOffset at)
    {
        var final = r.History.Settled().LastOrDefault();
        var live = r.History.Live().LastOrDefault();
        return r with
        {
            Status = final is not null ? RoundStatus.Final : live is not null ? RoundStatus.Observed : r.Status == RoundStatus.Failed ? RoundStatus.Failed : RoundStatus.Cut,
            RoundId = live?.Value,
            TransactionHash = live?.TransactionHash,
            Block = live?.Block,
            FinalAt = final is null ? null : r.FinalAt ?? at,
        };
    }
}

public static class RoundIds
{
    /// <summary>The stream of the round with this root (lowercase hex).</summary>
    public static Guid For(string root) => Hash($"maas-anchoring-round:{root}");

    /// <summary>The operation (and so the transaction's idempotency key) of one attempt to commit the round: never sent twice.</summary>
    public static Guid Operation(string root, int attempt) => Hash(string.Create(CultureInfo.InvariantCulture, $"maas-anchoring-round-commit:{root}:{attempt}"));

    private static Guid Hash(string text)
    {
        var hash = SHA256.HashData(Encoding.ASCII.GetBytes(text));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
