using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Machines.Members;

/// <summary>
/// For the gateway only: who holds the API key with this hash, or who a member named by an OIDC token is. Not routed
/// through the gateway (it lives outside /api); the gateway calls it directly with its own identity.
/// </summary>
public static class ResolveIdentity
{
    public static IEndpointRouteBuilder MapResolveIdentity(this IEndpointRouteBuilder app)
    {
        app.MapGet("/internal/identities/{keyHash}", Resolve).RequireAuthorization(Policies.Gateway).ExcludeFromDescription();
        app.MapGet("/internal/members/{memberId:guid}/identity", ResolveMember).RequireAuthorization(Policies.Gateway).ExcludeFromDescription();
        return app;
    }

    private static async Task<Ok<MemberIdentity>> Resolve(string keyHash, IQuerySession session, TimeProvider clock, CancellationToken ct)
    {
        var key = await session.LoadAsync<ApiKeyDocument>(keyHash.ToLowerInvariant(), ct);
        var member = key is not null && key.IsValidAt(clock.GetUtcNow()) ? await session.LoadAsync<MemberView>(key.MemberId, ct) : null;
        if (key is null || member is null || member.Status == MemberStatus.Revoked) throw DomainException.NotFound("API key", keyHash[..Math.Min(8, keyHash.Length)] + "…");
        return TypedResults.Ok(new MemberIdentity(member.Id, member.Name, member.Roles, member.Account, key.Scope));
    }

    /// <summary>A member authenticated elsewhere (an OIDC issuer the gateway trusts), with the scope its token grants.</summary>
    private static async Task<Ok<MemberIdentity>> ResolveMember(Guid memberId, KeyScope scope, IQuerySession session, CancellationToken ct)
    {
        var member = await session.LoadAsync<MemberView>(memberId, ct);
        if (member is null || member.Status == MemberStatus.Revoked) throw DomainException.NotFound("Member", memberId);
        return TypedResults.Ok(new MemberIdentity(member.Id, member.Name, member.Roles, member.Account, scope));
    }
}
