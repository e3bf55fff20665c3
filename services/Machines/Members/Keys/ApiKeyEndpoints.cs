using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using Marten;
using JasperFx.Events;

namespace MaaS.Machines.Members.Keys;

/// <summary>A key as its owner sees it: never the key nor its whole hash.</summary>
public sealed record ApiKeyResponse(string KeyId, string? Name, KeyScope Scope, DateTimeOffset IssuedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, string Status)
{
    public static ApiKeyResponse From(MemberKey key, DateTimeOffset now) => new(ApiKeys.IdOf(key.Hash), key.Name, key.Scope, key.IssuedAt, key.ExpiresAt, key.RevokedAt,
        key.RevokedAt is not null ? "revoked" : key.ExpiresAt is { } expires && expires <= now ? "expired" : key.ExpiresAt is not null ? "expiring" : "active");
}

/// <param name="ApiKey">The key itself: shown only in this answer; only its hash is stored.</param>
public sealed record IssuedApiKeyResponse(string KeyId, string ApiKey, string? Name, KeyScope Scope, DateTimeOffset IssuedAt);

/// <summary>A member manages its own API keys under <c>/api/machines/members/me/keys</c>.</summary>
public static class ApiKeyEndpoints
{
    public static RouteGroupBuilder MapApiKeys(this RouteGroupBuilder members)
    {
        var keys = members.MapGroup("/me/keys").WithTags("API keys");
        keys.MapIssueApiKey();
        keys.MapListApiKeys();
        keys.MapRotateApiKey();
        keys.MapRevokeApiKey();
        return members;
    }

    /// <summary>Issues a key on the member's stream and as a lookup document, in the caller's session.</summary>
    internal static IssuedApiKeyResponse Issue(IDocumentSession session, IEventStream<MemberView> stream, KeyScope scope, string? name, DateTimeOffset now)
    {
        var apiKey = ApiKeys.Generate();
        var hash = ApiKeys.Hash(apiKey);
        stream.AppendOne(new ApiKeyIssued(stream.Id, hash, scope, now, name));
        session.Store(new ApiKeyDocument(hash, stream.Id, scope, now, null, name));
        return new IssuedApiKeyResponse(ApiKeys.IdOf(hash), apiKey, name, scope, now);
    }

    /// <summary>The caller's member stream, for writing (a concurrent change to the member is a 412).</summary>
    internal static async Task<IEventStream<MemberView>> MemberStreamAsync(IDocumentSession session, MemberIdentity caller, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<MemberView>(caller.MemberId, ct);
        return stream.Aggregate is null ? throw DomainException.NotFound("Member", caller.MemberId) : stream;
    }

    /// <summary>One of the caller's keys by its id; another member's key is as unknown as a missing one.</summary>
    internal static MemberKey FindKey(MemberView member, string keyId) =>
        member.ApiKeys.SingleOrDefault(k => ApiKeys.IdOf(k.Hash).Equals(keyId, StringComparison.OrdinalIgnoreCase))
        ?? throw DomainException.NotFound("API key", keyId);
}
