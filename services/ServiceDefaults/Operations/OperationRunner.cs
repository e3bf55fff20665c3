using MaaS.Chain.Transactions;
using MaaS.ServiceDefaults.Hosting;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Marten.Exceptions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MaaS.ServiceDefaults.Operations;

/// <summary>
/// Carries operations through their transactions. The first transaction is sent while the request waits, so a refusal
/// by the contract's simulation answers the caller at once and stores nothing; later steps are sent when the one before
/// is mined. Every transaction's idempotency key is (service, operation, step): a retried request, a second instance
/// or a restart never sends one twice.
/// </summary>
public sealed class OperationRunner(IDocumentStore store, ITransactionWriter writer, ServiceIdentity service, TimeProvider clock, ILogger<OperationRunner> logger)
{
    public string TransactionKey(Guid operationId, int step) => $"{service.Name}/{operationId}/{step}";

    /// <param name="alsoAppend">
    /// Appends the aggregate's intent in the same session (use <c>FetchForWriting</c>: the chain follower may append to the
    /// same stream at the same moment, and the expected version makes the loser retry instead of overwriting).
    /// </param>
    public async Task<OperationView> StartAsync(
        Guid operationId, string kind, MemberIdentity member, string subject, IReadOnlyList<OperationStep> steps,
        Func<IDocumentSession, CancellationToken, Task>? alsoAppend = null, CancellationToken ct = default)
    {
        await using (var query = store.QuerySession())
            if (await query.LoadAsync<OperationView>(operationId, ct) is { } existing) return existing;

        var first = await writer.SendAsync(steps[0].ToRequest(TransactionKey(operationId, 0)), ct);
        for (var attempt = 1; ; attempt++)
        {
            var now = clock.GetUtcNow();
            await using var session = store.LightweightSession();
            session.Events.StartStream<OperationView>(operationId,
                new OperationAccepted(operationId, kind, member.MemberId, subject, steps, now),
                new OperationStepSubmitted(operationId, 0, first.IdempotencyKey, first.Hash, first.Nonce, first.SubmittedAt ?? now));
            if (alsoAppend is not null) await alsoAppend(session, ct);
            try
            {
                await session.SaveChangesAsync(ct);
                break;
            }
            catch (Exception ex) when (attempt < 8 && IsConflict(ex))
            {
                // Either the same request ran twice at once (the operation exists: done), or the chain follower appended
                // to the same aggregate meanwhile — Marten may report that as a collision of the operation's stream,
                // since the whole batch is refused. Read again and retry: same operation id and transaction keys, so
                // nothing is sent twice.
                await using var query = store.QuerySession();
                if (await query.LoadAsync<OperationView>(operationId, ct) is not null) break;
                logger.LogDebug(ex, "Operation {Operation}: recording the intent conflicted (attempt {Attempt}); retrying", operationId, attempt);
            }
        }
        // The monitor carries the operation on if this first advance loses a race with it.
        try
        {
            return await AdvanceAsync(operationId, ct) ?? throw new InvalidOperationException($"Operation {operationId} vanished.");
        }
        catch (Exception ex) when (IsConflict(ex))
        {
            await using var query = store.QuerySession();
            return await query.LoadAsync<OperationView>(operationId, ct) ?? throw new InvalidOperationException($"Operation {operationId} vanished.", ex);
        }
    }

    /// <summary>Submission → mined and → final, once per step: only the writer whose append won records it.</summary>
    private void RecordLatency(OperationView operation, List<object> events)
    {
        DateTimeOffset? SubmittedAt(int step) => operation.Steps[step].SubmittedAt ?? events.OfType<OperationStepSubmitted>().FirstOrDefault(e => e.Step == step)?.At;
        foreach (var e in events)
        {
            var (step, stage, at) = e switch
            {
                OperationStepMined m => (m.Step, "mined", m.At),
                OperationStepFinal f => (f.Step, "final", f.At),
                _ => (-1, "", default(DateTimeOffset)),
            };
            if (step < 0 || SubmittedAt(step) is not { } submitted) continue;
            Observability.MaaSMetrics.TransactionLatency.Record((at - submitted).TotalSeconds,
                new("service", service.Name), new("operation", operation.Kind), new("stage", stage));
        }
    }

    /// <summary>Optimistic-concurrency outcomes of an append: another writer got there first.</summary>
    private static bool IsConflict(Exception ex) => ex is JasperFx.ConcurrencyException or ExistingStreamIdCollisionException
        || ex is Marten.Exceptions.MartenCommandException { InnerException: Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation } }
        || ex is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation };

    /// <summary>Records what the ledger knows about each step and sends the next step when its predecessor is mined.</summary>
    public async Task<OperationView?> AdvanceAsync(Guid operationId, CancellationToken ct = default)
    {
        await using var session = store.LightweightSession();
        var stream = await session.Events.FetchForWriting<OperationView>(operationId, ct);
        var operation = stream.Aggregate;
        if (operation is null || operation.IsTerminal) return operation;

        var events = new List<object>();
        var now = clock.GetUtcNow();
        for (var i = 0; i < operation.Steps.Count; i++)
        {
            var step = operation.Steps[i];
            var key = TransactionKey(operationId, i);
            var record = await writer.FindAsync(key, ct);
            if (record is null)
            {
                try
                {
                    record = await writer.SendAsync(operation.Plan[i].ToRequest(key), ct);
                }
                catch (ChainRevertException refused)
                {
                    events.Add(new OperationStepFailed(operationId, i, refused.Description, null, now));
                    break;
                }
            }
            else
            {
                record = await writer.RefreshAsync(record, ct);
            }
            if (step.TransactionHash != record.Hash && !step.IsMined)
                events.Add(new OperationStepSubmitted(operationId, i, key, record.Hash, record.Nonce, record.SubmittedAt ?? now));
            if (record.Status == TransactionStatus.Failed)
            {
                events.Add(new OperationStepFailed(operationId, i, record.Error ?? "failed", record.Hash, now));
                break;
            }
            if (!step.IsMined && record.IsInBlock)
                events.Add(new OperationStepMined(operationId, i, record.Hash, record.BlockNumber!.Value, record.GasUsed ?? 0, now));
            if (!step.IsFinal && record.Status == TransactionStatus.Final)
                events.Add(new OperationStepFinal(operationId, i, now));
            if (!record.IsInBlock) break;
        }
        if (events.Count == 0) return operation;
        stream.AppendMany(events);
        try
        {
            await session.SaveChangesAsync(ct);
            RecordLatency(operation, events);
        }
        catch (Exception ex) when (IsConflict(ex))
        {
            // Another instance advanced it at the same moment; its view wins, ours is recomputed next time.
            logger.LogDebug("Operation {Operation} advanced concurrently", operationId);
        }
        await using var query = store.QuerySession();
        return await query.LoadAsync<OperationView>(operationId, ct);
    }
}

/// <summary>Advances every unfinished operation of this service a few times a second.</summary>
public sealed class OperationsMonitor(IDocumentStore store, OperationRunner runner, ILogger<OperationsMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var query = store.QuerySession();
                var open = await query.Query<OperationView>()
                    .Where(o => o.Status != OperationStatus.Final && o.Status != OperationStatus.Failed)
                    .OrderBy(o => o.AcceptedAt).Take(200).Select(o => o.Id).ToListAsync(stoppingToken);
                foreach (var id in open) await runner.AdvanceAsync(id, stoppingToken);
                await Task.Delay(TimeSpan.FromMilliseconds(open.Count > 0 ? 100 : 250), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Operations sweep failed");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }
}
