using MaaS.Chain.Following;
using MaaS.ServiceDefaults.Chain;
using Marten;

namespace MaaS.ServiceDefaults.ChainFacts;

/// <summary>
/// Turns the logs of one contract into <see cref="IChainFact"/>s on the owning aggregate's stream: observed when first
/// seen, again as final when deep enough, retracted when reorged away. Subclasses only decode.
/// </summary>
public abstract class ChainFactHandler(TimeProvider clock) : IChainLogHandler
{
    /// <summary>The contract whose logs this handler owns (lower-case address), resolved from the deployment.</summary>
    protected abstract string ContractAddress { get; }

    /// <summary>The fact a log states, or null for logs this service does not care about.</summary>
    protected abstract IChainFact? Decode(ChainLog log, bool final, DateTimeOffset observedAt);

    public bool Handles(ChainLog log) => string.Equals(log.Address, ContractAddress, StringComparison.OrdinalIgnoreCase);

    public async Task ApplyAsync(IDocumentSession session, ChainLog log, CancellationToken cancellationToken)
    {
        if (Decode(log, final: false, clock.GetUtcNow()) is { } fact) await AppendAsync(session, fact.StreamId, fact, cancellationToken);
    }

    public async Task FinalizeAsync(IDocumentSession session, ChainLog log, CancellationToken cancellationToken)
    {
        if (Decode(log, final: true, clock.GetUtcNow()) is { } fact) await AppendAsync(session, fact.StreamId, fact, cancellationToken);
    }

    public async Task RetractAsync(IDocumentSession session, ChainLog log, CancellationToken cancellationToken)
    {
        if (Decode(log, final: false, clock.GetUtcNow()) is { } fact)
            await AppendAsync(session, fact.StreamId, new ChainFactRetracted(fact.StreamId, fact.Ref, clock.GetUtcNow()), cancellationToken);
    }

    /// <summary>
    /// Appends with the stream's current version as the expectation: a request appending intent to the same aggregate
    /// at the same moment makes one of the two saves fail and retry, instead of one inline snapshot silently overwriting
    /// the other. (A failed follower step is simply read again.)
    /// </summary>
    private static async Task AppendAsync(IDocumentSession session, Guid streamId, object @event, CancellationToken ct)
    {
        var touched = Touched.GetOrCreateValue(session);
        if (touched.Contains(streamId))
        {
            session.Events.Append(streamId, @event);
            return;
        }
        touched.Add(streamId);
        var state = await session.Events.FetchStreamStateAsync(streamId, ct);
        if (state is null) session.Events.StartStream(streamId, @event);
        else session.Events.Append(streamId, state.Version + 1, @event);
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IDocumentSession, HashSet<Guid>> Touched = new();
}
