using MaaS.Machines.Members;
using MaaS.ServiceDefaults.Identity;
using Marten;

namespace MaaS.Machines.Machines;

/// <summary>
/// Who may see a machine: its OEM and its customer, maintainers the OEM accredited for its model (and region), and the
/// operator. Anyone else is told it does not exist.
/// </summary>
public static class MachineVisibility
{
    public static async Task<bool> CanSeeAsync(IQuerySession session, MachineDetails machine, MemberIdentity member, CancellationToken ct)
    {
        if (member.Has(MemberRoles.Operator) || machine.IsParty(member)) return true;
        if (!member.Has(MemberRoles.Maintainer)) return false;
        var accreditations = await AccreditationsOfAsync(session, member, ct);
        return accreditations.Any(a => a.OemId == machine.OemId && a.Covers(machine.Model, machine.Region));
    }

    public static async Task<IReadOnlyList<AccreditationView>> AccreditationsOfAsync(IQuerySession session, MemberIdentity member, CancellationToken ct) =>
        await session.Query<AccreditationView>().Where(a => a.MaintainerId == member.MemberId && a.Active).ToListAsync(ct);
}
