using MaaS.Maintenance.Accreditations;
using MaaS.Maintenance.Machines;
using MaaS.ServiceDefaults.Identity;
using Marten;

namespace MaaS.Maintenance.Tickets.Reading;

/// <summary>
/// Who reads a ticket through this service: the machine's customer and OEM, maintainers its OEM accredited for the
/// machine's model and region, the ticket's bidders and maintainer, and the operator. (The chain facts themselves are
/// public to the consortium; the descriptions and reports they point to are not everybody's business.)
/// </summary>
public static class TicketVisibility
{
    public static async Task<bool> CanSeeAsync(IQuerySession session, TicketDetails ticket, ServicedMachine machine, MemberIdentity member, CancellationToken ct)
    {
        if (member.Has(MemberRoles.Operator) || machine.IsCustomer(member) || machine.IsOem(member)) return true;
        if (!member.Has(MemberRoles.Maintainer)) return false;
        if (Same(ticket.Assignee, member.Account) || ticket.Bids.Any(b => Same(b.Bidder, member.Account)) || ticket.CommitmentOf(member.Account) is not null) return true;
        var accreditations = await AccreditationRecord.OfAsync(session, [member.MemberId], ct);
        return accreditations.Any(a => a.Covers(machine.Oem, machine.Model, machine.Region));
    }

    private static bool Same(string? a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
