using MaaS.Chain.Following;
using Marten;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MaaS.ServiceDefaults.Signals;

namespace MaaS.ServiceDefaults.Chain;

/// <summary>
/// Applies follower steps to the Marten store: every handler call of a step, the unfinalized-log documents and the new
/// checkpoint go into one session and one <c>SaveChangesAsync</c> — one PostgreSQL transaction. A crash before it
/// commits leaves the previous checkpoint and nothing of the step; a crash after leaves all of it.
/// </summary>
public sealed class MartenChainFollowerSink : IChainFollowerSink
{
    private readonly IDocumentStore store;
    private readonly string follower;
    private readonly IReadOnlyList<IChainLogHandler> handlers;
    private readonly TimeProvider clock;
    private readonly ILogger logger;
    private readonly ChainFactsCommitted? committed;

    /// <param name="committed">Woken after a step that changed facts, so loops acting on them (watchdogs) need not wait for their poll.</param>
    public MartenChainFollowerSink(
        IDocumentStore store, string follower, IEnumerable<IChainLogHandler> handlers, TimeProvider? clock = null, ILogger<MartenChainFollowerSink>? logger = null,
        ChainFactsCommitted? committed = null)
    {
        this.committed = committed;
        ArgumentException.ThrowIfNullOrWhiteSpace(follower);
        this.store = store;
        this.follower = follower;
        this.handlers = handlers.ToList();
        this.clock = clock ?? TimeProvider.System;
        this.logger = logger ?? NullLogger<MartenChainFollowerSink>.Instance;
    }

    public async Task<FollowerCheckpoint?> LoadCheckpointAsync(CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return (await session.LoadAsync<ChainFollowerCheckpoint>(follower, cancellationToken))?.ToCheckpoint();
    }

    public async Task CommitAsync(FollowerStep step, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        await using var session = store.LightweightSession();
        var stored = await session.LoadAsync<ChainFollowerCheckpoint>(follower, cancellationToken);
        EnsureUnchanged(stored, step.Previous);

        var next = step.Next;
        var pending = await session.Query<UnfinalizedChainLog>().Where(p => p.Follower == follower).ToListAsync(cancellationToken);

        var orphaned = step.RetractAbove is { } above
            ? pending.Where(p => p.BlockNumber > above).OrderByDescending(p => p.BlockNumber).ThenByDescending(p => p.LogIndex).ToList()
            : [];
        foreach (var log in orphaned)
        {
            foreach (var handler in OwnersOf(log.Log)) await handler.RetractAsync(session, log.Log, cancellationToken);
        }

        // A log retracted and applied again in one step (the chain flipped back to the same block) keeps its document.
        var orphanedIds = orphaned.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var finalNow = new List<ChainLog>();
        foreach (var log in step.Applied)
        {
            var owners = OwnersOf(log);
            if (owners.Count == 0) continue;
            foreach (var handler in owners) await handler.ApplyAsync(session, log, cancellationToken);
            if (log.BlockNumber <= next.Finalized)
            {
                finalNow.Add(log);
                continue;
            }
            var document = new UnfinalizedChainLog { Id = UnfinalizedChainLog.IdFor(follower, log), Follower = follower, BlockNumber = log.BlockNumber, LogIndex = log.LogIndex, Log = log };
            if (orphanedIds.Remove(document.Id)) session.Store(document);
            else session.Insert(document);
        }
        foreach (var id in orphanedIds) session.Delete<UnfinalizedChainLog>(id);

        var maturing = pending.Except(orphaned).Where(p => p.BlockNumber <= next.Finalized).OrderBy(p => p.BlockNumber).ThenBy(p => p.LogIndex).ToList();
        foreach (var log in maturing)
        {
            foreach (var handler in OwnersOf(log.Log)) await handler.FinalizeAsync(session, log.Log, cancellationToken);
            session.Delete(log);
        }
        foreach (var log in finalNow)
        {
            foreach (var handler in OwnersOf(log)) await handler.FinalizeAsync(session, log, cancellationToken);
        }

        var checkpoint = new ChainFollowerCheckpoint
        {
            Id = follower,
            Tip = next.Tip,
            Finalized = next.Finalized,
            RecentBlocks = [.. next.RecentBlocks],
            UpdatedAt = clock.GetUtcNow(),
        };
        if (stored is null) session.Insert(checkpoint);
        else session.UpdateRevision(checkpoint, stored.Version + 1);

        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Another instance may have committed between our load and our save; what failed then (the checkpoint's
            // revision, a stream version, a stream insert) depends on which row it reached first. Nothing was stored.
            if (await CheckpointMovedAsync(step.Previous, cancellationToken)) throw new FollowerCheckpointConflictException(follower, ex.Message, ex);
            throw;
        }
        if (orphaned.Count + step.Applied.Count + maturing.Count + finalNow.Count > 0) committed?.Wake();
        logger.LogDebug("Follower {Follower} committed: {Retracted} retracted, {Applied} applied, {Finalized} finalized, tip {Tip}",
            follower, orphaned.Count, step.Applied.Count, maturing.Count + finalNow.Count, next.Tip);
    }

    private List<IChainLogHandler> OwnersOf(ChainLog log) => handlers.Where(h => h.Handles(log)).ToList();

    private async Task<bool> CheckpointMovedAsync(FollowerCheckpoint previous, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var stored = await session.LoadAsync<ChainFollowerCheckpoint>(follower, cancellationToken);
        return stored is null ? previous.RecentBlocks.Count > 0 : !Same(stored, previous);
    }

    private static bool Same(ChainFollowerCheckpoint stored, FollowerCheckpoint previous) =>
        stored.Tip == previous.Tip && stored.Finalized == previous.Finalized && stored.RecentBlocks.SequenceEqual(previous.RecentBlocks);

    private void EnsureUnchanged(ChainFollowerCheckpoint? stored, FollowerCheckpoint previous)
    {
        if (stored is null)
        {
            if (previous.RecentBlocks.Count > 0)
                throw new FollowerCheckpointConflictException(follower, "no checkpoint is stored but the step continues one");
            return;
        }
        if (!Same(stored, previous))
            throw new FollowerCheckpointConflictException(follower, $"stored tip {stored.Tip}, step from tip {previous.Tip}");
    }
}
