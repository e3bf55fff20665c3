using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Machines.Members.Keys;

public static class RevokeApiKey
{
    public static RouteGroupBuilder MapRevokeApiKey(this RouteGroupBuilder keys)
    {
        keys.MapDelete("/{keyId}", Revoke).RequireAuthorization(Policies.Member, Policies.Write);
        return keys;
    }

    /// <summary>Stops the key at once (the gateway forgets a cached key within its cache time). Revoking twice is not an error.</summary>
    private static async Task<NoContent> Revoke(string keyId, HttpContext http, IDocumentSession session, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var stream = await ApiKeyEndpoints.MemberStreamAsync(session, http.Member(), ct);
        var key = ApiKeyEndpoints.FindKey(stream.Aggregate!, keyId);
        if (key.RevokedAt is not null) return TypedResults.NoContent();
        var document = await session.LoadAsync<ApiKeyDocument>(key.Hash, ct);
        stream.AppendOne(new ApiKeyRevoked(stream.Id, key.Hash, now));
        if (document is not null) session.Store(document with { RevokedAt = now });
        await session.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}
