using JasperFx;
using MaaS.Anchoring.Batches;
using MaaS.OffChain;
using Marten;
using Microsoft.Extensions.Options;

namespace MaaS.Anchoring.Rounds.Cutting;

/// <summary>
/// Closes rounds from the batches that wait: as soon as <see cref="AnchoringOptions.RoundMaxBatches"/> wait (by count), or
/// when the oldest has waited <see cref="AnchoringOptions.RoundMaxAge"/> (by age). A cut is one transaction of the event
/// store: the round's stream and every batch's <see cref="BatchAddedToRound"/>, each appended at the version it was read
/// at, so two instances cutting at once cannot put one batch in two rounds (the loser's save fails and it reads again).
/// </summary>
public sealed class CutRounds(IDocumentStore store, IOffChainStore offChain, IOptions<AnchoringOptions> options, TimeProvider clock, ILogger<CutRounds> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await CutOnceAsync(stoppingToken)) await Task.Delay(options.Value.PollInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (ConcurrencyException ex)
            {
                logger.LogDebug(ex, "A batch changed while the round was cut; cutting again");
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Cutting a round failed");
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
            }
        }
    }

    /// <returns>Whether a round was cut (then there may be more to cut at once).</returns>
    public async Task<bool> CutOnceAsync(CancellationToken ct)
    {
        var max = Math.Max(1, options.Value.RoundMaxBatches);
        IReadOnlyList<BatchView> waiting;
        await using (var query = store.QuerySession())
        {
            waiting = await query.Query<BatchView>().Where(b => b.Status == BatchStatus.Stored)
                .OrderBy(b => b.ReceivedAt).ThenBy(b => b.Id).Take(max).ToListAsync(ct);
        }
        if (waiting.Count == 0) return false;
        var now = clock.GetUtcNow();
        var closedBy = waiting.Count >= max ? "count" : now - waiting[0].ReceivedAt >= options.Value.RoundMaxAge ? "age" : null;
        if (closedBy is null) return false;

        var leaves = waiting.Select(b => new RoundLeaf(b.Id, b.MachineId, b.BatchSeq, b.Count, b.Root!, b.Cid!)).ToList();
        var (root, manifest) = Seal(leaves);
        while (manifest.Length > UnixFsBlock.MaxContentLength)
        {
            // The manifest is one off-chain chunk too: a round holds at most as many leaves as it can list.
            leaves = leaves.GetRange(0, leaves.Count / 2);
            (root, manifest) = Seal(leaves);
        }
        var manifestCid = await offChain.PutAsync(manifest, ct);

        await using var session = store.LightweightSession();
        var key = RoundIds.For(root);
        var round = await session.Events.FetchForWriting<RoundView>(key, ct);
        if (round.Aggregate is { Status: not RoundStatus.Failed })
        {
            logger.LogWarning("Round {Root} is already {Status}; its batches were read stale", root, round.Aggregate.Status);
            return false;
        }
        var attempt = (round.Aggregate?.Attempt ?? 0) + 1;
        round.AppendOne(new RoundCut(key, attempt, leaves, root, manifestCid.V0, closedBy, now));
        for (var i = 0; i < leaves.Count; i++)
        {
            var batch = await session.Events.FetchForWriting<BatchView>(leaves[i].BatchId, ct);
            if (batch.Aggregate?.Status != BatchStatus.Stored) return false;
            batch.AppendOne(new BatchAddedToRound(leaves[i].BatchId, key, attempt, i, now));
        }
        await session.SaveChangesAsync(ct);
        logger.LogInformation("Round {Root} cut by {ClosedBy}: {Count} batches, manifest {Manifest}", root, closedBy, leaves.Count, manifestCid);
        return true;
    }

    private static (string Root, byte[] Manifest) Seal(IReadOnlyList<RoundLeaf> leaves)
    {
        var root = MerkleTree.FromLeafData([.. leaves.Select(l => l.ToBatchLeaf().Canonical())]).RootHex;
        return (root, RoundManifest.Encode(root, leaves));
    }
}
