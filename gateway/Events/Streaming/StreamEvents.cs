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
                "Authenticate with the X-Api-Key header (read with fetch() streaming; EventSource cannot send headers).")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return events;
    }

    private static async Task<IResult> Stream(HttpContext http, string? types, Guid? machineId, [Microsoft.AspNetCore.Mvc.FromServices] EventBroadcast broadcast,
        EventsOptions options, CancellationToken ct)
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

    /// <summary>One SSE message; the JSON is written on one line, but a data line per line keeps the frame valid whatever it holds.</summary>
    public static string Frame(BroadcastEvent e)
    {
        var frame = new StringBuilder().Append("id: ").Append(e.Id).Append('\n').Append("event: ").Append(e.Type).Append('\n');
        foreach (var line in Encoding.UTF8.GetString(e.Body).Split('\n')) frame.Append("data: ").Append(line.TrimEnd('\r')).Append('\n');
        return frame.Append('\n').ToString();
    }
}
