using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Machines.Members.Listing;

/// <summary>A member as others see it: never its API key hashes.</summary>
public sealed record MemberResponse(Guid Id, string Name, string Account, IReadOnlyList<string> Roles, string Status, string FinalStatus, int ApiKeys,
    IReadOnlyList<ServiceDefaults.ChainFacts.HistoryEntry> History)
{
    public static MemberResponse From(MemberView m) => new(m.Id, m.Name, m.Account,
        [.. Enum.GetValues<MemberRoles>().Where(r => r is not MemberRoles.None and not MemberRoles.Gateway && (m.Roles & r) == r).Select(r => r.ToString().ToLowerInvariant())],
        m.Status.ToString().ToLowerInvariant(), m.FinalStatus.ToString().ToLowerInvariant(), m.ApiKeys.Count(k => k.RevokedAt is null), m.History);
}

public static class ListMembers
{
    public static RouteGroupBuilder MapListMembers(this RouteGroupBuilder members)
    {
        members.MapGet("/", List).RequireAuthorization(Policies.Operator);
        members.MapGet("/me", Me).RequireAuthorization(Policies.Member);
        members.MapGet("/{memberId:guid}", Get).RequireAuthorization(Policies.Member);
        return members;
    }

    private static async Task<Ok<IReadOnlyList<MemberResponse>>> List(IQuerySession session, CancellationToken ct) =>
        TypedResults.Ok<IReadOnlyList<MemberResponse>>([.. (await session.Query<MemberView>().OrderBy(m => m.Name).ToListAsync(ct)).Select(MemberResponse.From)]);

    private static async Task<Ok<MemberResponse>> Me(HttpContext http, IQuerySession session, CancellationToken ct) =>
        await Get(http.Member().MemberId, session, ct);

    /// <summary>Members are known to each other in a consortium: any member may look another up by id.</summary>
    private static async Task<Ok<MemberResponse>> Get(Guid memberId, IQuerySession session, CancellationToken ct) =>
        TypedResults.Ok(MemberResponse.From(await session.LoadAsync<MemberView>(memberId, ct) ?? throw DomainException.NotFound("Member", memberId)));
}
