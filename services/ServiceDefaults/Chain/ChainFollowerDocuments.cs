using JasperFx;
using MaaS.Chain.Following;

namespace MaaS.ServiceDefaults.Chain;

/// <summary>A follower's checkpoint as a Marten document, keyed by the follower's name. Revisioned: a commit from a stale checkpoint fails.</summary>
public sealed class ChainFollowerCheckpoint : IRevisioned
{
    public string Id { get; set; } = "";

    public long Tip { get; set; }

    public long Finalized { get; set; }

    public List<BlockRef> RecentBlocks { get; set; } = [];

    public DateTimeOffset UpdatedAt { get; set; }

    public int Version { get; set; }

    public FollowerCheckpoint ToCheckpoint() => new(Tip, Finalized, RecentBlocks);
}

/// <summary>
/// A log applied but not final yet, kept so that it can be retracted or finalized by a later step. Keyed by follower,
/// block hash and log index, and inserted (never upserted): the same log can never be pending twice.
/// </summary>
public sealed class UnfinalizedChainLog
{
    public string Id { get; set; } = "";

    public string Follower { get; set; } = "";

    public long BlockNumber { get; set; }

    public long LogIndex { get; set; }

    public ChainLog Log { get; set; } = null!;

    public static string IdFor(string follower, ChainLog log) => $"{follower}/{log.Key}";
}
