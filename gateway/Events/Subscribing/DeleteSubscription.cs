using MaaS.Gateway.Events.PartnerQueues;
using MaaS.Gateway.Identity;

namespace MaaS.Gateway.Events.Subscribing;

public static class DeleteSubscription
{
    public static RouteGroupBuilder MapDeleteSubscription(this RouteGroupBuilder subscriptions)
    {
        subscriptions.MapDelete("/{subscriptionId:guid}", Delete)
            .WithSummary("Delete a subscription")
            .WithDescription("Stops deliveries at once and forgets their log. For an AMQP subscription the partner's broker user and its queue are deleted too.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
        return subscriptions;
    }

    private static async Task<IResult> Delete(Guid subscriptionId, HttpContext http, [Microsoft.AspNetCore.Mvc.FromServices] EventsDatabase db,
        [Microsoft.AspNetCore.Mvc.FromServices] RabbitManagement rabbit, CancellationToken ct)
    {
        var owner = http.Caller()!.MemberId;
        if (await Subscriptions.FindAsync(db.Source, owner, subscriptionId, ct) is not { } found) return EventProblems.NotFound("Subscription", subscriptionId);
        // The broker first: a failure leaves the subscription listed, so the owner can delete again; the reverse would orphan a live user.
        if (found.View.Kind == SubscriptionKinds.Amqp) await rabbit.RemovePartnerAsync(found.AmqpUser, found.View.Queue, ct);
        await Subscriptions.DeleteAsync(db.Source, owner, subscriptionId, ct);
        return TypedResults.NoContent();
    }
}
