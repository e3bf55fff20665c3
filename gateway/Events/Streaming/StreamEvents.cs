using System.Text;
using MaaS.Gateway.Events.Catalog;
using MaaS.Gateway.Identity;
using MaaS.ServiceDefaults.Identity;

namespace MaaS.Gateway.Events.Streaming;

public static class StreamEvents
{
    public static RouteGroupBuilder MapStreamEvents(this RouteGroupBuilder events)
    {
        events.MapGet("/", Stream)
            .WithSummary("Live events (server-sent events)")
            .WithDescription("text/event-stream of the events the caller may see, as they are recorded: `id: <CloudEvent id>`, `event: <type>`, " +
                "`data: <CloudEvent JSON>`; a comment line every 15 s keeps the connection alive. types (comma-separated) and machineId filter. " +
                "A reconnecting client sends `Last-Event-ID` (the last id it received): the stream first replays, in order, the events after it that " +
                "the caller may see and the filters select, then goes on live. An id the gateway no longer holds (older than `Gateway:Events:Retention`) " +
                "or never held is announced by an `event: maas.replay-unavailable` message, and the stream goes on live. " +
                "Authenticate with the X-Api-Key header (read with fetch() streaming; EventSource cannot send headers).")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return events;
    }

    public const string LastEventIdHeader = "Last-Event-ID";

    /// <summary>The SSE event type that tells a reconnecting client its Last-Event-ID could not be replayed from.</summary>
    public const string ReplayUnavailable = "maas.replay-unavailable";

    private static async Task<IResult> Stream(HttpContext http, string? types, Guid? machineId, [Microsoft.AspNetCore.Mvc.FromServices] EventBroadcast broadcast,
        [Microsoft.AspNetCore.Mvc.FromServices] EventsDatabase db, EventsOptions options, CancellationToken ct)
    {
        var wanted = types?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        if (wanted?.FirstOrDefault(t => !EventCatalog.IsKnown(t)) is { } unknown)
            return EventProblems.Of(StatusCodes.Status422UnprocessableEntity, "validation", $"Unknown event type {unknown} (GET /api/events/types lists them).");
        var caller = http.Caller()!;
        var account = caller.Account.ToLowerInvariant();
        var everything = caller.Has(MemberRoles.Operator);

        await broadcast.Listening.WaitAsync(TimeSpan.FromSeconds(10), ct);
        var (id, reader) = broadcast.Open();
        try
        {
            var response = http.Response;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
            await response.WriteAsync(": connected\n\n", ct);
            await response.Body.FlushAsync(ct);
            // Replayed after the live channel is open, so nothing recorded meanwhile is missed; what both bring is sent once.
            var replayed = new HashSet<long>();
            if (http.Request.Headers[LastEventIdHeader].ToString() is { Length: > 0 } lastEventId)
            {
                var filter = new EventReplay.Filter(everything ? null : account, wanted?.ToArray(), machineId);
                if (!await EventReplay.ReplayAsync(db, lastEventId, filter, async e =>
                    {
                        replayed.Add(e.Seq);
                        await response.WriteAsync(Frame(e), ct);
                    }, ct))
                    await response.WriteAsync(Unavailable(lastEventId), ct);
                await response.Body.FlushAsync(ct);
            }
            while (!ct.IsCancellationRequested)
            {
                using var keepAlive = CancellationTokenSource.CreateLinkedTokenSource(ct);
                keepAlive.CancelAfter(options.KeepAlive);
                BroadcastEvent e;
                try
                {
                    if (!await reader.WaitToReadAsync(keepAlive.Token)) break;
                    if (!reader.TryRead(out e!)) continue;
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    await response.WriteAsync(": keep-alive\n\n", ct);
                    await response.Body.FlushAsync(ct);
                    continue;
                }
                if (!(everything || e.Audience.Contains(account, StringComparer.Ordinal))) continue;
                if (wanted is not null && !wanted.Contains(e.Type)) continue;
                if (machineId is { } only && e.MachineId != only) continue;
                if (replayed.Contains(e.Seq)) continue;
                await response.WriteAsync(Frame(e), ct);
                await response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away.
        }
        finally
        {
            broadcast.Close(id);
        }
        return Results.Empty;
    }

    private static string Unavailable(string lastEventId) =>
        $"event: {ReplayUnavailable}\ndata: {System.Text.Json.JsonSerializer.Serialize(new { lastEventId, detail = "The gateway does not hold this event (older than its retention, or never recorded); events from now on follow." })}\n\n";

    /// <summary>One SSE message; the JSON is written on one line, but a data line per line keeps the frame valid whatever it holds.</summary>
    public static string Frame(BroadcastEvent e)
    {
        var frame = new StringBuilder().Append("id: ").Append(e.Id).Append('\n').Append("event: ").Append(e.Type).Append('\n');
        foreach (var line in Encoding.UTF8.GetString(e.Body).Split('\n')) frame.Append("data: ").Append(line.TrimEnd('\r')).Append('\n');
        return frame.Append('\n').ToString();
    }
}
