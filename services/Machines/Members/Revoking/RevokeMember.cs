using MaaS.Chain.Contracts;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Hosting;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Machines.Members.Revoking;

public static class RevokeMember
{
    public static RouteGroupBuilder MapRevokeMember(this RouteGroupBuilder members)
    {
        members.MapDelete("/{memberId:guid}", Revoke).RequireAuthorization(Policies.Operator, Policies.Write);
        return members;
    }

    private static async Task<Accepted<OperationView>> Revoke(
        Guid memberId, HttpContext http, IQuerySession session, IConsortium consortium, OperationRunner operations, ServiceIdentity service, CancellationToken ct)
    {
        var caller = http.Member();
        var member = await session.LoadAsync<MemberView>(memberId, ct) ?? throw DomainException.NotFound("Member", memberId);
        if (member.Status != MemberStatus.Active) throw DomainException.Conflict("member-not-active", $"Member {memberId} is {member.Status}, not an active member.");
        if (member.IsOperator) throw DomainException.Conflict("operator", "The operator cannot revoke itself.");
        var operation = await operations.StartAsync(http.OperationId(caller), "revoke-member", caller, memberId.ToString(),
            [new OperationStep("revokeMember", caller.Account, consortium.Address, consortium.RevokeMember("", caller.Account, member.Account).Data)], ct: ct);
        return TypedResults.Accepted(service.Location(operation.Id), operation);
    }
}
