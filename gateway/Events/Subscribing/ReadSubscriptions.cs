using MaaS.Gateway.Identity;

namespace MaaS.Gateway.Events.Subscribing;

public static class ReadSubscriptions
{
    public static RouteGroupBuilder MapReadSubscriptions(this RouteGroupBuilder subscriptions)
    {
        subscriptions.MapGet("/", List).WithSummary("The caller's subscriptions").Produces<IReadOnlyList<SubscriptionView>>();
        subscriptions.MapGet("/{subscriptionId:guid}", Get).WithSummary("One of the caller's subscriptions")
            .Produces<SubscriptionView>().ProducesProblem(StatusCodes.Status404NotFound);
        return subscriptions;
    }

    private static async Task<IResult> List(HttpContext http, [Microsoft.AspNetCore.Mvc.FromServices] EventsDatabase db, CancellationToken ct) =>
        TypedResults.Ok(await Subscriptions.ListAsync(db.Source, http.Caller()!.MemberId, ct));

    private static async Task<IResult> Get(Guid subscriptionId, HttpContext http, [Microsoft.AspNetCore.Mvc.FromServices] EventsDatabase db, CancellationToken ct) =>
        await Subscriptions.FindAsync(db.Source, http.Caller()!.MemberId, subscriptionId, ct) is { } found
            ? TypedResults.Ok(found.View)
            : EventProblems.NotFound("Subscription", subscriptionId);
}
