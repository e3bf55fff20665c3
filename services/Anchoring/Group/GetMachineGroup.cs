using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Anchoring.Group;

/// <param name="KeyKnown">Whether this service knows the member's public key (recovered from its joining transaction).</param>
public sealed record GroupMemberView(string Account, string Role, bool KeyKnown, bool Revoked);

public sealed record MachineGroupView(Guid MachineId, string Model, ushort Region, IReadOnlyList<GroupMemberView> Members);

public static class GetMachineGroup
{
    public static RouteGroupBuilder MapGetMachineGroup(this RouteGroupBuilder anchoring)
    {
        anchoring.MapGet("/machines/{machineId:guid}/group", Get).RequireAuthorization(Policies.Member);
        return anchoring;
    }

    /// <summary>Whom the machine's next batches are encrypted for, as this service knows it now. For the machine's group and the operator.</summary>
    private static async Task<Ok<MachineGroupView>> Get(Guid machineId, HttpContext http, IQuerySession session, CancellationToken ct)
    {
        var member = http.Member();
        var machine = await session.LoadAsync<MachineParties>(machineId, ct) ?? throw DomainException.NotFound("Machine", machineId);
        var accounts = await GroupDirectory.MembersAsync(session, machine, ct);
        if (!member.Has(MemberRoles.Operator) && !accounts.Contains(member.Account.ToLowerInvariant(), StringComparer.Ordinal))
            throw DomainException.Forbidden("Only the machine's group and the operator see whom its telemetry is encrypted for.");
        var keys = (await session.LoadManyAsync<MemberPublicKey>(ct, accounts)).ToDictionary(k => k.Id, StringComparer.Ordinal);
        return TypedResults.Ok(new MachineGroupView(machineId, machine.Model, machine.Region, [.. accounts.Select(a => new GroupMemberView(a,
            a == machine.Oem ? "oem" : a == machine.Customer ? "customer" : "maintainer",
            keys.TryGetValue(a, out var k) && k.PublicKey is not null, k is not null && !k.Usable && k.PublicKey is not null))]));
    }
}
