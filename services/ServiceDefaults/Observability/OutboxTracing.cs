using System.Diagnostics;
using JasperFx.Events;
using Marten;

namespace MaaS.ServiceDefaults.Observability;

/// <summary>
/// Carries the trace across the outbox: events are stored with the <c>traceparent</c> of the request that appended
/// them, and the forwarder publishes each under an activity whose parent is that context, so MassTransit's send and
/// the consumers in other services join the request's trace although the daemon publishes later, on its own thread.
/// </summary>
public static class OutboxTracing
{
    public const string SourceName = "MaaS.Outbox";
    public const string Header = "traceparent";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>Stamps every event a session appends with the current trace context.</summary>
    public sealed class StampEvents : DocumentSessionListenerBase
    {
        public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
        {
            if (Activity.Current?.Id is not { } traceparent || Activity.Current.IdFormat != ActivityIdFormat.W3C) return Task.CompletedTask;
            foreach (var stream in session.PendingChanges.Streams())
                foreach (var e in stream.Events)
                    if (e.Headers?.ContainsKey(Header) != true) e.SetHeader(Header, traceparent);
            return Task.CompletedTask;
        }
    }

    /// <summary>An activity for publishing <paramref name="stored"/>, child of the request that stored it (null when nobody listens).</summary>
    public static Activity? StartPublish(IEvent stored, string messageType)
    {
        var parent = stored.Headers?.TryGetValue(Header, out var value) == true && ActivityContext.TryParse(value?.ToString(), null, out var context)
            ? context
            : default;
        var activity = Source.StartActivity($"outbox publish {messageType}", ActivityKind.Producer, parent);
        activity?.SetTag("maas.event.sequence", stored.Sequence);
        return activity;
    }
}
