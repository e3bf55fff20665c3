using JasperFx;
using MaaS.Anchoring.Anchorer;
using MaaS.Anchoring.Batches;
using MaaS.Chain.Contracts;
using MaaS.Chain.Transactions;
using MaaS.OffChain;
using MaaS.ServiceDefaults.Operations;
using Marten;
using Microsoft.Extensions.Options;

namespace MaaS.Anchoring.Rounds.Committing;

/// <summary>
/// Sends each cut round as one <c>commitRound(root, batchCount, manifestCid)</c> transaction signed by the anchorer,
/// through the operation runner: the operation id (and so the transaction's idempotency key) is derived from the round's
/// root and attempt, so a restart or a second instance finds the transaction already sent instead of sending another.
/// The contract numbers the round; the chain follower reports it (<see cref="RoundFacts"/>). A transaction that fails for
/// good (reverted, or refused by the node) fails the attempt: its batches wait for the next round.
/// </summary>
public sealed class CommitRounds(
    IDocumentStore store, OperationRunner operations, IServiceProvider services, AnchorerAccount anchorer, IOptions<AnchoringOptions> options,
    TimeProvider clock, ILogger<CommitRounds> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var pause = options.Value.PollInterval;
            try
            {
                await CommitOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (ChainRevertException ex)
            {
                // NotAnchorer until the grant is mined: nothing was sent, the round stays cut.
                logger.LogWarning("commitRound refused by the contract ({Error}); trying again shortly", ex.Description);
                pause = TimeSpan.FromSeconds(1);
            }
            catch (ConcurrencyException ex)
            {
                logger.LogDebug(ex, "A round changed while its attempt was failed; reading it again");
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Committing rounds failed");
                pause = TimeSpan.FromSeconds(1);
            }
            await Task.Delay(pause, clock, stoppingToken);
        }
    }

    public async Task CommitOnceAsync(CancellationToken ct)
    {
        IReadOnlyList<RoundView> cut;
        await using (var query = store.QuerySession())
            cut = await query.Query<RoundView>().Where(r => r.Status == RoundStatus.Cut && r.Attempt > 0).OrderBy(r => r.CutAt).Take(50).ToListAsync(ct);
        if (cut.Count == 0) return;
        // Resolved here, not injected: a deployment file that is missing or for another chain must not keep the host from starting.
        var anchor = services.GetRequiredService<ITelemetryAnchor>();
        foreach (var round in cut)
        {
            var operationId = RoundIds.Operation(round.Root, round.Attempt);
            OperationView? operation;
            await using (var query = store.QuerySession())
                operation = await query.LoadAsync<OperationView>(operationId, ct);
            if (operation is null)
            {
                var step = new OperationStep("commitRound", anchorer.Address, anchor.Address,
                    anchor.CommitRound("", anchorer.Address, Convert.FromHexString(round.Root), (uint)round.Leaves.Count, Cid.Parse(round.ManifestCid!).ToDigestBytes()).Data);
                operation = await operations.StartAsync(operationId, "commit-round", anchorer.Identity, round.Root, [step], ct: ct);
                logger.LogInformation("Round {Root} ({Count} batches) sent as {Transaction}", round.Root, round.Leaves.Count, operation.Steps[0].TransactionHash);
            }
            if (operation.Status == OperationStatus.Failed) await FailAsync(round, operation.Error ?? "the transaction failed", ct);
        }
    }

    private async Task FailAsync(RoundView round, string reason, CancellationToken ct)
    {
        logger.LogWarning("Round {Root} attempt {Attempt} failed: {Reason}; its {Count} batches wait for another round", round.Root, round.Attempt, reason, round.Leaves.Count);
        var now = clock.GetUtcNow();
        await using var session = store.LightweightSession();
        var stream = await session.Events.FetchForWriting<RoundView>(round.Id, ct);
        if (stream.Aggregate is not { Status: RoundStatus.Cut } current || current.Attempt != round.Attempt) return;
        stream.AppendOne(new RoundFailed(round.Id, round.Attempt, reason, now));
        foreach (var leaf in round.Leaves)
        {
            var batch = await session.Events.FetchForWriting<BatchView>(leaf.BatchId, ct);
            if (batch.Aggregate is { Status: BatchStatus.InRound } b && b.RoundKey == round.Id)
                batch.AppendOne(new BatchReleasedFromRound(leaf.BatchId, round.Id, reason, now));
        }
        await session.SaveChangesAsync(ct);
    }
}
