using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Machines.Members.Keys;

public static class ListApiKeys
{
    public static RouteGroupBuilder MapListApiKeys(this RouteGroupBuilder keys)
    {
        keys.MapGet("/", List).RequireAuthorization(Policies.Member);
        return keys;
    }

    private static async Task<Ok<IReadOnlyList<ApiKeyResponse>>> List(HttpContext http, IQuerySession session, TimeProvider clock, CancellationToken ct)
    {
        var caller = http.Member();
        var member = await session.LoadAsync<MemberView>(caller.MemberId, ct) ?? throw DomainException.NotFound("Member", caller.MemberId);
        var now = clock.GetUtcNow();
        return TypedResults.Ok<IReadOnlyList<ApiKeyResponse>>([.. member.ApiKeys.OrderBy(k => k.IssuedAt).Select(k => ApiKeyResponse.From(k, now))]);
    }
}
