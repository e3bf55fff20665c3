using System.Runtime.CompilerServices;
using MaaS.Anchoring.Anchorer;
using MaaS.Anchoring.Batches;
using MaaS.Chain.Contracts;
using MaaS.Chain.Contracts.Generated.TelemetryAnchor;
using MaaS.Chain.Following;
using MaaS.OffChain;
using MaaS.ServiceDefaults.Chain;
using MaaS.ServiceDefaults.ChainFacts;
using Marten;

namespace MaaS.Anchoring.Rounds;

/// <summary>
/// TelemetryAnchor's <c>RoundCommitted</c> logs of this service's anchorer, as facts on the round's stream (found by the
/// root, which is all this service knows of a round before the contract numbers it): observed, final, or retracted by a
/// reorg (the transaction writer then sends the same transaction again and the follower sees it anew). Rounds of other
/// anchorers (other deployments) are not this service's business.
/// </summary>
public sealed class RoundFacts(ITelemetryAnchor anchor, AnchorerAccount anchorer, TimeProvider clock) : ChainFactHandler(clock)
{
    protected override string ContractAddress => anchor.Address;

    protected override IChainFact? Decode(ChainLog log, bool final, DateTimeOffset observedAt) =>
        RoundCommitted.Decode(log, anchorer) is { } e
            ? new RoundCommittedOnChain(RoundIds.For(Convert.ToHexStringLower(e.Root)), (long)e.RoundId, Convert.ToHexStringLower(e.Root), e.BatchCount,
                Cid.FromDigest(e.ManifestCid).V0, e.Anchorer.ToLowerInvariant(), ChainRef.From(log), final, observedAt)
            : null;
}

/// <summary>
/// When a round's log is final, every batch of the round gets <see cref="BatchAnchored"/> (published as
/// <c>TelemetryBatchAnchored</c>) with its round path, in the follower's step: the follower finalizes a log exactly once
/// and commits the step atomically with its checkpoint, so each batch is anchored once.
/// </summary>
public sealed class AnchorBatchesAtFinality(ITelemetryAnchor anchor, AnchorerAccount anchorer, TimeProvider clock, ILogger<AnchorBatchesAtFinality> logger)
    : IChainLogHandler
{
    private static readonly ConditionalWeakTable<IDocumentSession, HashSet<Guid>> Anchored = new();

    public bool Handles(ChainLog log) => string.Equals(log.Address, anchor.Address, StringComparison.OrdinalIgnoreCase) && RoundCommitted.Decode(log, anchorer) is not null;

    public Task ApplyAsync(IDocumentSession session, ChainLog log, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task RetractAsync(IDocumentSession session, ChainLog log, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task FinalizeAsync(IDocumentSession session, ChainLog log, CancellationToken cancellationToken)
    {
        var committed = RoundCommitted.Decode(log, anchorer)!;
        var root = Convert.ToHexStringLower(committed.Root);
        var round = await session.LoadAsync<RoundView>(RoundIds.For(root), cancellationToken);
        if (round is null || round.Leaves.Count == 0)
        {
            logger.LogWarning("Round {RoundId} (root {Root}) is final but was not cut here; nothing to anchor", committed.RoundId, root);
            return;
        }
        if (round.Leaves.Count != committed.BatchCount)
        {
            logger.LogError("Round {RoundId} commits {Count} batches for root {Root}, which this service cut with {Leaves}; not anchored",
                committed.RoundId, committed.BatchCount, root, round.Leaves.Count);
            return;
        }
        var tree = MerkleTree.FromLeafData([.. round.Leaves.Select(l => l.ToBatchLeaf().Canonical())]);
        var seen = Anchored.GetOrCreateValue(session);
        var now = clock.GetUtcNow();
        for (var i = 0; i < round.Leaves.Count; i++)
        {
            var leaf = round.Leaves[i];
            if (!seen.Add(leaf.BatchId)) continue;
            var batch = await session.Events.FetchForWriting<BatchView>(leaf.BatchId, cancellationToken);
            if (batch.Aggregate is not { } b || b.Status == BatchStatus.Anchored) continue;
            batch.AppendOne(new BatchAnchored(b.Id, b.MachineId, b.BatchSeq, b.FirstSeq, b.LastSeq, b.Count, leaf.Root, leaf.Cid, (long)committed.RoundId, i,
                round.Leaves.Count, [.. tree.GetAuditPath(i).Select(Convert.ToHexStringLower)], tree.RootHex, log.TransactionHash, log.BlockNumber, now));
        }
        logger.LogInformation("Round {RoundId} is final: {Count} batches anchored in block {Block}", committed.RoundId, round.Leaves.Count, log.BlockNumber);
    }
}

internal static class RoundCommitted
{
    /// <summary>The log as RoundCommitted by this service's anchorer, or null.</summary>
    public static RoundCommittedEventDTO? Decode(ChainLog log, AnchorerAccount anchorer) =>
        ContractEvents.TryDecode<RoundCommittedEventDTO>(log.Topics, log.Data, out var e) && string.Equals(e.Anchorer, anchorer.Address, StringComparison.OrdinalIgnoreCase)
            ? e
            : null;
}
