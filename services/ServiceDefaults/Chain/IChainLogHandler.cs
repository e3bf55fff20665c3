using MaaS.Chain.Following;
using Marten;

namespace MaaS.ServiceDefaults.Chain;

/// <summary>
/// Owns some contract logs: turns each into events on the owning aggregate's stream. A log is applied when it is first
/// seen in a canonical block, then either finalized (k blocks deep) or retracted (its block was orphaned by a reorg) —
/// never both. The calls of one follower step share one session and are saved together by the follower: a handler
/// appends and stores, and never calls <c>SaveChangesAsync</c>.
/// </summary>
public interface IChainLogHandler
{
    /// <summary>Whether this handler owns the log (typically by contract address and topic 0). Must depend on the log alone.</summary>
    bool Handles(ChainLog log);

    /// <summary>The log was seen in a canonical block (not final yet unless the follower's confirmations are 0).</summary>
    Task ApplyAsync(IDocumentSession session, ChainLog log, CancellationToken cancellationToken);

    /// <summary>The log's block was orphaned: the observation no longer holds. The same transaction may be applied again in another block.</summary>
    Task RetractAsync(IDocumentSession session, ChainLog log, CancellationToken cancellationToken);

    /// <summary>The log's block is k blocks deep: the observation is final.</summary>
    Task FinalizeAsync(IDocumentSession session, ChainLog log, CancellationToken cancellationToken);
}
