using System.Security.Cryptography;
using MaaS.Gateway.Events.Delivering;
using MaaS.Gateway.Identity;

namespace MaaS.Gateway.Events.Subscribing;

/// <param name="Url">Where to POST each event: an absolute http(s) URL (https only where <c>Gateway:Events:RequireHttps</c>).</param>
/// <param name="EventTypes">CloudEvents types to receive (<c>GET /api/events/types</c>).</param>
/// <param name="MachineIds">Only events about these machines; every visible machine when empty or absent.</param>
public sealed record CreateWebhookRequest(string? Url, string[]? EventTypes, Guid[]? MachineIds);

/// <param name="Secret">The HMAC-SHA256 key of the <c>X-MaaS-Signature</c> header, shown only in this answer.</param>
public sealed record WebhookCreated(Guid Id, string Kind, string Url, IReadOnlyList<string> EventTypes, IReadOnlyList<Guid> MachineIds, DateTimeOffset CreatedAt, string Secret);

public static class CreateSubscription
{
    public const int MaxUrlLength = 2048;

    public static RouteGroupBuilder MapCreateSubscription(this RouteGroupBuilder subscriptions)
    {
        subscriptions.MapPost("/", Create)
            .WithSummary("Subscribe a webhook")
            .WithDescription("Registers a URL that receives every event of the given types (about the given machines, if any) the caller may see, " +
                "as a CloudEvents 1.0 JSON POST signed with X-MaaS-Signature: t=<unix>,v1=hex(HMAC-SHA256(secret, \"<t>.<body>\")). The secret is in this answer only.")
            .Produces<WebhookCreated>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return subscriptions;
    }

    private static async Task<IResult> Create(CreateWebhookRequest request, HttpContext http, [Microsoft.AspNetCore.Mvc.FromServices] EventsDatabase db,
        EventsOptions options, [Microsoft.AspNetCore.Mvc.FromServices] WebhookSecrets secrets, TimeProvider clock, CancellationToken ct)
    {
        var errors = Subscriptions.Validate(request.EventTypes, request.MachineIds);
        if (ValidateUrl(request.Url, options.RequireHttps) is { } urlError) errors["url"] = [urlError];
        else if (await WebhookDestinations.RefusalAsync(new Uri(request.Url!), options.AllowPrivateNetworks, ct) is { } destinationError) errors["url"] = [destinationError];
        if (errors.Count > 0) return EventProblems.Of(StatusCodes.Status422UnprocessableEntity, "validation", "The subscription is not valid.", errors);

        var secret = "whsec_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        var id = Guid.CreateVersion7();
        var subscription = new NewSubscription(id, SubscriptionKinds.Webhook, http.Caller()!, request.Url, secrets.Seal(secret, id), null, null,
            request.EventTypes!, request.MachineIds ?? [], clock.GetUtcNow());
        await Subscriptions.InsertAsync(db.Source, subscription, ct);
        return TypedResults.Created($"/api/subscriptions/{subscription.Id}", new WebhookCreated(subscription.Id, subscription.Kind, request.Url!,
            [.. subscription.EventTypes.Distinct(StringComparer.Ordinal)], [.. subscription.MachineIds.Distinct()], subscription.CreatedAt, secret));
    }

    /// <summary>Null when the URL is one the gateway will post to; why not otherwise.</summary>
    public static string? ValidateUrl(string? url, bool requireHttps)
    {
        if (string.IsNullOrWhiteSpace(url)) return "A URL is required.";
        if (url.Length > MaxUrlLength) return $"A URL is at most {MaxUrlLength} characters.";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !(uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
            return "The URL must be an absolute http or https URL.";
        if (requireHttps && uri.Scheme != Uri.UriSchemeHttps) return "This gateway posts to https URLs only.";
        if (!string.IsNullOrEmpty(uri.UserInfo)) return "Credentials in the URL are not accepted; check the signature instead.";
        if (!string.IsNullOrEmpty(uri.Fragment)) return "A URL with a fragment is not accepted.";
        return null;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
