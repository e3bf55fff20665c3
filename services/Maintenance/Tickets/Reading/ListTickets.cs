using MaaS.Maintenance.Accreditations;
using MaaS.Maintenance.Machines;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Maintenance.Tickets.Reading;

public sealed record TicketSummary(
    Guid Id, Guid MachineId, uint Seq, TicketKind Kind, SelectionMode Mode, TicketStatus Status, TicketStatus FinalStatus, string? Assignee, string? FinalAssignee,
    string Customer, string Oem, string Model, ushort Region, int Bids, int Breaches, bool Paused, DateTimeOffset? OpenedAt, DateTimeOffset UpdatedAt);

public static class ListTickets
{
    public static RouteGroupBuilder MapListTickets(this RouteGroupBuilder tickets)
    {
        tickets.MapGet("/", List).RequireAuthorization(Policies.Member);
        return tickets;
    }

    /// <summary>
    /// The tickets the caller may see (customer: its machines'; OEM: its machines'; maintainer: those it may take by its
    /// accreditations, and its own; operator: all). <c>status</c>: <c>active</c> (default: not closed, cancelled or
    /// failed), <c>open</c> (waiting for a maintainer) or <c>all</c>.
    /// </summary>
    private static async Task<Ok<IReadOnlyList<TicketSummary>>> List(HttpContext http, IQuerySession session, string? status, CancellationToken ct)
    {
        var member = http.Member();
        var filter = (status ?? "active").ToLowerInvariant();
        if (filter is not ("active" or "open" or "all"))
            throw DomainException.Unprocessable("invalid-status-filter", "status is active, open or all.");

        IReadOnlyList<ServicedMachine> machines;
        IReadOnlyList<TicketDetails> own = [];
        if (member.Has(MemberRoles.Operator))
        {
            machines = await session.Query<ServicedMachine>().ToListAsync(ct);
        }
        else
        {
            var accreditations = member.Has(MemberRoles.Maintainer) ? await AccreditationRecord.OfAsync(session, [member.MemberId], ct) : [];
            var oems = accreditations.Select(a => a.Oem).Distinct().ToArray();
            var candidates = await session.Query<ServicedMachine>()
                .Where(m => m.CustomerId == member.MemberId || m.OemId == member.MemberId || oems.Contains(m.Oem)).ToListAsync(ct);
            machines = [.. candidates.Where(m => m.CustomerId == member.MemberId || m.OemId == member.MemberId || accreditations.Any(a => a.Covers(m.Oem, m.Model, m.Region)))];
            if (member.Has(MemberRoles.Maintainer))
            {
                var account = member.Account.ToLowerInvariant();
                own = await session.Query<TicketDetails>().Where(t => t.Assignee == account || t.FinalAssignee == account).ToListAsync(ct);
            }
        }
        var byId = machines.ToDictionary(m => m.Id);
        var ids = byId.Keys.ToArray();
        var visible = ids.Length == 0 ? [] : await session.Query<TicketDetails>().Where(t => ids.Contains(t.MachineId)).ToListAsync(ct);
        var missing = own.Select(t => t.MachineId).Where(id => !byId.ContainsKey(id)).Distinct().ToArray();
        if (missing.Length > 0)
            foreach (var m in await session.LoadManyAsync<ServicedMachine>(ct, missing)) byId[m.Id] = m;

        var result = visible.Concat(own).DistinctBy(t => t.Id).Where(t => byId.ContainsKey(t.MachineId)).Where(t => filter switch
        {
            "open" => t.Status == TicketStatus.Open,
            "active" => t.Active,
            _ => true,
        });
        return TypedResults.Ok<IReadOnlyList<TicketSummary>>([.. result.OrderByDescending(t => t.UpdatedAt).Select(t =>
        {
            var m = byId[t.MachineId];
            return new TicketSummary(t.Id, t.MachineId, t.Seq, t.Kind, t.Mode, t.Status, t.FinalStatus, t.Assignee, t.FinalAssignee, m.Customer, m.Oem, m.Model,
                m.Region, t.Bids.Count, t.Breaches.Count, t.Paused, t.OpenedAt, t.UpdatedAt);
        })]);
    }
}
