using System.Net.Mime;
using System.Text.Json;
using System.Text.Json.Serialization;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using MaaS.Gateway.Events.Catalog;

namespace MaaS.Gateway.Events.Consuming;

/// <summary>
/// An integration event as a CloudEvents 1.0 structured-mode JSON document. The id is the message id the service
/// published it with (its stored event id), the same on every redelivery and through every channel (webhook, AMQP,
/// SSE), so a receiver drops duplicates by it. The subject is the machine; data is the integration event itself
/// (camelCase, enums by name, byte arrays base64), except where the catalog gives another shape (a sealed batch's
/// readings are linked, not carried).
/// </summary>
public static class CloudEventEnvelope
{
    public const string MediaType = "application/cloudevents+json";

    private static readonly JsonSerializerOptions DataJson = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
    private static readonly JsonEventFormatter Formatter = new(DataJson, new JsonDocumentOptions());

    public static byte[] Encode(EventKind kind, object message, string id)
    {
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0)
        {
            Id = id,
            Source = new Uri(kind.Source, UriKind.Relative),
            Type = kind.Type,
            Subject = kind.MachineOf(message).ToString(),
            Time = kind.TimeOf(message),
            DataContentType = MediaTypeNames.Application.Json,
            Data = kind.DataOf(message),
        };
        return Formatter.EncodeStructuredModeMessage(cloudEvent, out _).ToArray();
    }
}
