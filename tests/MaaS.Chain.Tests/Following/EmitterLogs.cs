using System.Security.Cryptography;
using System.Text;
using JasperFx.Events;
using MaaS.Chain.Following;
using MaaS.ServiceDefaults.Chain;
using Marten;

namespace MaaS.Chain.Tests.Following;

/// <summary>An emitter's log was seen in a canonical block.</summary>
public sealed record EmitterLogObserved(Guid EmitterId, string Key, string Payload, long BlockNumber, long LogIndex);

/// <summary>The block of an observed log was orphaned.</summary>
public sealed record EmitterLogRetracted(Guid EmitterId, string Key, long BlockNumber);

/// <summary>An observed log is k blocks deep.</summary>
public sealed record EmitterLogFinal(Guid EmitterId, string Key, long BlockNumber);

/// <summary>
/// What a service's handler does: each emitter contract is an aggregate with its own stream, and every log becomes an
/// event on it. The test reads the stream to see what the follower did.
/// </summary>
internal sealed class EmitterLogHandler(params string[] emitters) : IChainLogHandler
{
    /// <summary>When set, throws on applying the log with this payload (a crash in the middle of a step).</summary>
    public string? FailOnPayload { get; set; }

    public bool Handles(ChainLog log) =>
        emitters.Contains(log.Address, StringComparer.OrdinalIgnoreCase) && log.EventSignature == TestChain.Topic;

    public Task ApplyAsync(IDocumentSession session, ChainLog log, CancellationToken cancellationToken)
    {
        var payload = TestChain.Text(log.Data);
        if (payload == FailOnPayload) throw new InvalidOperationException($"simulated crash while applying '{payload}'");
        session.Events.Append(StreamOf(log.Address), new EmitterLogObserved(StreamOf(log.Address), log.Key, payload, log.BlockNumber, log.LogIndex));
        return Task.CompletedTask;
    }

    public Task RetractAsync(IDocumentSession session, ChainLog log, CancellationToken cancellationToken)
    {
        session.Events.Append(StreamOf(log.Address), new EmitterLogRetracted(StreamOf(log.Address), log.Key, log.BlockNumber));
        return Task.CompletedTask;
    }

    public Task FinalizeAsync(IDocumentSession session, ChainLog log, CancellationToken cancellationToken)
    {
        session.Events.Append(StreamOf(log.Address), new EmitterLogFinal(StreamOf(log.Address), log.Key, log.BlockNumber));
        return Task.CompletedTask;
    }

    public static Guid StreamOf(string address) => new(SHA256.HashData(Encoding.UTF8.GetBytes(address.ToLowerInvariant()))[..16]);
}

/// <summary>An emitter's stream read back: what was observed, retracted and final, in stream order.</summary>
internal sealed record EmitterHistory(IReadOnlyList<object> Events)
{
    public IReadOnlyList<EmitterLogObserved> Observed => Events.OfType<EmitterLogObserved>().ToList();

    public IReadOnlyList<string> ObservedPayloads => Observed.Select(o => o.Payload).ToList();

    public IReadOnlyList<string> RetractedPayloads => Events.OfType<EmitterLogRetracted>().Select(r => PayloadOf(r.Key)).ToList();

    public IReadOnlyList<string> FinalPayloads => Events.OfType<EmitterLogFinal>().Select(f => PayloadOf(f.Key)).ToList();

    /// <summary>Observed, not retracted: what the chain says now.</summary>
    public IReadOnlyList<string> LivePayloads =>
        Observed.Where(o => !Events.OfType<EmitterLogRetracted>().Any(r => r.Key == o.Key)).Select(o => o.Payload).ToList();

    private string PayloadOf(string key) => Observed.First(o => o.Key == key).Payload;

    public static async Task<EmitterHistory> ReadAsync(IDocumentStore store, string emitter)
    {
        await using var session = store.QuerySession();
        IReadOnlyList<IEvent> events = await session.Events.FetchStreamAsync(EmitterLogHandler.StreamOf(emitter));
        return new EmitterHistory(events.Select(e => e.Data).ToList());
    }
}
