using MaaS.Gateway.Hosting;
using MaaS.Gateway.Identity;

namespace MaaS.Gateway.Events;

/// <summary>Problems (RFC 9457) of the events endpoints, shaped like the gateway's and the services' own.</summary>
public static class EventProblems
{
    public static IResult Of(int status, string code, string detail, IDictionary<string, string[]>? errors = null) =>
        TypedResults.Problem(detail, statusCode: status, type: GatewayProblems.TypeBase + code,
            title: status switch { 401 => "Authentication is required.", 404 => "Not found.", 409 => "The request conflicts with the current state.", 422 => "The request cannot be processed.", 502 => "The broker refused.", 503 => "Service unavailable.", _ => "The request failed." },
            extensions: errors is null ? null : new Dictionary<string, object?> { ["errors"] = errors });

    public static IResult NotFound(string what, Guid id) => Of(StatusCodes.Status404NotFound, "not-found", $"{what} {id} does not exist or is not yours.");

    /// <summary>Every events endpoint: an authenticated member (the gateway's caller authentication ran first), and the feature configured.</summary>
    public static RouteGroupBuilder RequireCallerAndStore(this RouteGroupBuilder group) => group.AddEndpointFilter(async (context, next) =>
    {
        if (context.HttpContext.Caller() is null)
            return Of(StatusCodes.Status401Unauthorized, "unauthenticated", "Authenticate with an API key (header X-Api-Key) or a bearer token.");
        if (context.HttpContext.RequestServices.GetService<EventsDatabase>() is null)
            return Of(StatusCodes.Status503ServiceUnavailable, "events-unavailable",
                "Partner events are not configured on this gateway (ConnectionStrings:Postgres and ConnectionStrings:RabbitMq).");
        return await next(context);
    });
}
