using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Machines.Members;

/// <summary>
/// For the gateway only: who holds the API key with this hash. Not routed through the gateway (it lives outside /api);
/// the gateway calls it directly with its own identity.
/// </summary>
public static class ResolveIdentity
{
    public static IEndpointRouteBuilder MapResolveIdentity(this IEndpointRouteBuilder app)
    {
        app.MapGet("/internal/identities/{keyHash}", Resolve).RequireAuthorization(Policies.Gateway).ExcludeFromDescription();
        return app;
    }

    private static async Task<Ok<MemberIdentity>> Resolve(string keyHash, IQuerySession session, CancellationToken ct)
    {
        var key = await session.LoadAsync<ApiKeyDocument>(keyHash.ToLowerInvariant(), ct);
        var member = key is { RevokedAt: null } ? await session.LoadAsync<MemberView>(key.MemberId, ct) : null;
        if (key is null || member is null || member.Status == MemberStatus.Revoked) throw DomainException.NotFound("API key", keyHash[..Math.Min(8, keyHash.Length)] + "…");
        return TypedResults.Ok(new MemberIdentity(member.Id, member.Name, member.Roles, member.Account, key.Scope));
    }
}
