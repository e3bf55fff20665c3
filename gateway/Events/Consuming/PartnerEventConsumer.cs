using MaaS.Gateway.Events.Catalog;
using MassTransit;

namespace MaaS.Gateway.Events.Consuming;

/// <summary>
/// Takes one kind of integration event off the gateway's queue (shared by every gateway instance: competing consumers, so
/// each event is handled once) and records it for partners. One closed type per event in <see cref="EventCatalog"/>.
/// </summary>
public sealed class PartnerEventConsumer<T>(RecordEvent recorder) : IConsumer<T> where T : class
{
    private static readonly EventKind Kind = EventCatalog.For(typeof(T));

    public Task Consume(ConsumeContext<T> context)
    {
        // The services publish with the stored event's id as message id; without one (a hand-made publish), the
        // envelope's id falls back to one derived from the content, which is still stable across redeliveries.
        var id = context.MessageId?.ToString() ?? RecordEvent.ContentId(Kind, context.Message);
        return recorder.RecordAsync(Kind, context.Message, id, context.CancellationToken);
    }
}
