using MaaS.Gateway.Events.Subscribing;
using MaaS.Gateway.Identity;
using Npgsql;

namespace MaaS.Gateway.Events.Delivering;

public sealed record DeliveryAttempt(int Attempt, DateTimeOffset At, int? StatusCode, string? Error, int DurationMs);

/// <param name="Status"><c>pending</c> (waiting for its next attempt), <c>delivered</c> or <c>dead</c> (dead-lettered: no more attempts until a redelivery is asked for).</param>
public sealed record DeliveryView(
    Guid Id, string EventId, string EventType, Guid MachineId, DateTimeOffset EventTime, string Status, int Attempts, DateTimeOffset? NextAttemptAt,
    int? LastStatusCode, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? DeliveredAt, DateTimeOffset? DeadLetteredAt, IReadOnlyList<DeliveryAttempt> AttemptLog);

public static class ListDeliveries
{
    public const int MaxLimit = 500;

    public static RouteGroupBuilder MapListDeliveries(this RouteGroupBuilder subscriptions)
    {
        subscriptions.MapGet("/{subscriptionId:guid}/deliveries", List)
            .WithSummary("A subscription's delivery log")
            .WithDescription("Newest first: each event queued for the subscription, its status (pending, delivered, dead), every attempt with its HTTP status or error, " +
                "and when the next attempt is due. status filters by status; limit is at most 500 (default 100).")
            .Produces<IReadOnlyList<DeliveryView>>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return subscriptions;
    }

    private static async Task<IResult> List(Guid subscriptionId, string? status, int? limit, HttpContext http,
        [Microsoft.AspNetCore.Mvc.FromServices] EventsDatabase db, CancellationToken ct)
    {
        if (status is not (null or "pending" or "delivered" or "dead"))
            return EventProblems.Of(StatusCodes.Status422UnprocessableEntity, "validation", "status is pending, delivered or dead.");
        if (limit is < 1 or > MaxLimit) return EventProblems.Of(StatusCodes.Status422UnprocessableEntity, "validation", $"limit is 1 to {MaxLimit}.");
        if (await Subscriptions.FindAsync(db.Source, http.Caller()!.MemberId, subscriptionId, ct) is null) return EventProblems.NotFound("Subscription", subscriptionId);
        return TypedResults.Ok(await LoadAsync(db.Source, subscriptionId, null, status, limit ?? 100, ct));
    }

    public static async Task<IReadOnlyList<DeliveryView>> LoadAsync(NpgsqlDataSource db, Guid subscriptionId, Guid? deliveryId, string? status, int limit, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            SELECT d.id, e.id, e.type, e.machine_id, e.time, d.status, d.attempts, d.next_attempt_at, d.last_status, d.last_error, d.created_at,
                   d.delivered_at, d.dead_lettered_at,
                   COALESCE((SELECT json_agg(json_build_object('attempt', a.attempt, 'at', a.at, 'statusCode', a.status_code, 'error', a.error,
                                                               'durationMs', a.duration_ms) ORDER BY a.attempt)
                             FROM gateway.delivery_attempts a WHERE a.delivery_id = d.id), '[]')::text
            FROM gateway.deliveries d JOIN gateway.events e ON e.seq = d.event_seq
            WHERE d.subscription_id = $1 AND ($2::uuid IS NULL OR d.id = $2) AND ($3::text IS NULL OR d.status = $3)
            ORDER BY d.event_seq DESC LIMIT $4
            """);
        command.Parameters.AddWithValue(subscriptionId);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)deliveryId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.AddWithValue(limit);
        await using var r = await command.ExecuteReaderAsync(ct);
        var list = new List<DeliveryView>();
        while (await r.ReadAsync(ct))
        {
            DateTimeOffset? At(int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
            list.Add(new DeliveryView(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetGuid(3), r.GetFieldValue<DateTimeOffset>(4), r.GetString(5), r.GetInt32(6),
                At(7), r.IsDBNull(8) ? null : r.GetInt32(8), r.IsDBNull(9) ? null : r.GetString(9), r.GetFieldValue<DateTimeOffset>(10), At(11), At(12),
                System.Text.Json.JsonSerializer.Deserialize<List<DeliveryAttempt>>(r.GetString(13), System.Text.Json.JsonSerializerOptions.Web) ?? []));
        }
        return list;
    }
}
