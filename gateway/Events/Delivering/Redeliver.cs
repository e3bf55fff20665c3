using MaaS.Gateway.Events.Subscribing;
using MaaS.Gateway.Identity;

namespace MaaS.Gateway.Events.Delivering;

public sealed record RedeliveriesQueued(int Redelivered);

public static class Redeliver
{
    public static RouteGroupBuilder MapRedeliver(this RouteGroupBuilder subscriptions)
    {
        subscriptions.MapPost("/{subscriptionId:guid}/deliveries/{deliveryId:guid}/redeliveries", One)
            .WithSummary("Redeliver one event")
            .WithDescription("Sends the delivery again now, delivered or dead-lettered, with a fresh allowance of attempts (the same CloudEvent id, so the receiver can drop it if it has it). 409 while it is still pending.")
            .Produces<DeliveryView>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        subscriptions.MapPost("/{subscriptionId:guid}/redeliveries", AllDead)
            .WithSummary("Redeliver every dead letter")
            .WithDescription("Every dead-lettered delivery of the subscription is queued again now, with a fresh allowance of attempts.")
            .Produces<RedeliveriesQueued>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound);
        return subscriptions;
    }

    private static async Task<IResult> One(Guid subscriptionId, Guid deliveryId, HttpContext http, [Microsoft.AspNetCore.Mvc.FromServices] EventsDatabase db,
        [Microsoft.AspNetCore.Mvc.FromServices] DeliverySignal signal, CancellationToken ct)
    {
        if (await Subscriptions.FindAsync(db.Source, http.Caller()!.MemberId, subscriptionId, ct) is null) return EventProblems.NotFound("Subscription", subscriptionId);
        await using var command = db.Source.CreateCommand("""
            UPDATE gateway.deliveries SET status = 'pending', cycle_attempts = 0, next_attempt_at = now(), dead_lettered_at = NULL, leased_until = NULL
            WHERE subscription_id = $1 AND id = $2 AND status <> 'pending'
            """);
        command.Parameters.AddWithValue(subscriptionId);
        command.Parameters.AddWithValue(deliveryId);
        var updated = await command.ExecuteNonQueryAsync(ct);
        var delivery = (await ListDeliveries.LoadAsync(db.Source, subscriptionId, deliveryId, null, 1, ct)).SingleOrDefault();
        if (delivery is null) return EventProblems.NotFound("Delivery", deliveryId);
        if (updated == 0)
            return EventProblems.Of(StatusCodes.Status409Conflict, "delivery-pending", $"Delivery {deliveryId} is still pending (next attempt {delivery.NextAttemptAt:O}); nothing to redeliver.");
        signal.Wake();
        return TypedResults.Accepted($"/api/subscriptions/{subscriptionId}/deliveries", delivery);
    }

    private static async Task<IResult> AllDead(Guid subscriptionId, HttpContext http, [Microsoft.AspNetCore.Mvc.FromServices] EventsDatabase db,
        [Microsoft.AspNetCore.Mvc.FromServices] DeliverySignal signal, CancellationToken ct)
    {
        if (await Subscriptions.FindAsync(db.Source, http.Caller()!.MemberId, subscriptionId, ct) is null) return EventProblems.NotFound("Subscription", subscriptionId);
        await using var command = db.Source.CreateCommand("""
            UPDATE gateway.deliveries SET status = 'pending', cycle_attempts = 0, next_attempt_at = now(), dead_lettered_at = NULL, leased_until = NULL
            WHERE subscription_id = $1 AND status = 'dead'
            """);
        command.Parameters.AddWithValue(subscriptionId);
        var count = await command.ExecuteNonQueryAsync(ct);
        signal.Wake();
        return TypedResults.Accepted($"/api/subscriptions/{subscriptionId}/deliveries", new RedeliveriesQueued(count));
    }
}
