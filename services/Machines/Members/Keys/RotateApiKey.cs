using FluentValidation;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Machines.Members.Keys;

/// <param name="OverlapSeconds">How long the old key keeps working (0: it stops at once); the configured default when absent.</param>
public sealed record RotateApiKeyRequest(int? OverlapSeconds);

public sealed class RotateApiKeyValidator : AbstractValidator<RotateApiKeyRequest>
{
    public RotateApiKeyValidator(ApiKeyOptions options) =>
        RuleFor(r => r.OverlapSeconds).InclusiveBetween(0, (int)options.MaxRotationOverlap.TotalSeconds);
}

/// <param name="Replaced">The old key, with the moment it stops working.</param>
public sealed record RotatedApiKeyResponse(IssuedApiKeyResponse Key, ApiKeyResponse Replaced);

public static class RotateApiKey
{
    public static RouteGroupBuilder MapRotateApiKey(this RouteGroupBuilder keys)
    {
        keys.MapPost("/{keyId}/rotations", Rotate).RequireAuthorization(Policies.Member, Policies.Write);
        return keys;
    }

    /// <summary>A new key of the same scope and name; the old one expires after the overlap, so clients can switch without downtime.</summary>
    private static async Task<Created<RotatedApiKeyResponse>> Rotate(
        string keyId, RotateApiKeyRequest request, HttpContext http, IDocumentSession session, ApiKeyOptions options, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var stream = await ApiKeyEndpoints.MemberStreamAsync(session, http.Member(), ct);
        var old = ApiKeyEndpoints.FindKey(stream.Aggregate!, keyId);
        if (old.RevokedAt is not null || old.ExpiresAt is not null)
            throw DomainException.Conflict("key-not-active", $"API key {keyId} was already {(old.RevokedAt is null ? "rotated" : "revoked")}; rotate the key that replaced it.");

        var overlap = request.OverlapSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : options.DefaultRotationOverlap;
        var document = await session.LoadAsync<ApiKeyDocument>(old.Hash, ct) ?? throw DomainException.NotFound("API key", keyId);
        if (overlap == TimeSpan.Zero)
        {
            stream.AppendOne(new ApiKeyRevoked(stream.Id, old.Hash, now));
            session.Store(document with { RevokedAt = now });
        }
        else
        {
            stream.AppendOne(new ApiKeyExpiring(stream.Id, old.Hash, now + overlap, now));
            session.Store(document with { ExpiresAt = now + overlap });
        }
        var issued = ApiKeyEndpoints.Issue(session, stream, old.Scope, old.Name, now);
        await session.SaveChangesAsync(ct);
        var replaced = old with { ExpiresAt = overlap == TimeSpan.Zero ? null : now + overlap, RevokedAt = overlap == TimeSpan.Zero ? now : null };
        return TypedResults.Created($"/api/machines/members/me/keys/{issued.KeyId}", new RotatedApiKeyResponse(issued, ApiKeyResponse.From(replaced, now)));
    }
}
