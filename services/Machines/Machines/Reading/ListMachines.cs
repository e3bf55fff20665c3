using MaaS.ServiceDefaults.ChainFacts;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Machines.Machines.Reading;

/// <summary>
/// The list read model, kept by the async daemon (lists may lag a moment; a single machine is read from the inline
/// projection). It folds the same events through <see cref="MachineDetails"/>, so both always agree once caught up.
/// </summary>
public sealed record MachineListItem(Guid Id, MachineDetails Details)
{
    public static MachineListItem Create(MachineRegistrationRequested e) => new(e.MachineId, MachineDetails.Create(e));

    public static MachineListItem Create(MachineRegisteredOnChain e) => new(e.StreamId, MachineDetails.Create(e));

    public MachineListItem Apply(MachineRegistrationRequested e) => this with { Details = Details.Apply(e) };

    public MachineListItem Apply(MachineCommandRequested e) => this with { Details = Details.Apply(e) };

    public MachineListItem Apply(MachineRegisteredOnChain e) => this with { Details = Details.Apply(e) };

    public MachineListItem Apply(MachineAcceptedOnChain e) => this with { Details = Details.Apply(e) };

    public MachineListItem Apply(MachineStartedOnChain e) => this with { Details = Details.Apply(e) };

    public MachineListItem Apply(MachineStoppedOnChain e) => this with { Details = Details.Apply(e) };

    public MachineListItem Apply(MachineResetOnChain e) => this with { Details = Details.Apply(e) };

    public MachineListItem Apply(MachineTerminationRequestedOnChain e) => this with { Details = Details.Apply(e) };

    public MachineListItem Apply(MachineTerminatedOnChain e) => this with { Details = Details.Apply(e) };

    public MachineListItem Apply(MachineDeviceChangedOnChain e) => this with { Details = Details.Apply(e) };

    public MachineListItem Apply(MachineTermsProposedOnChain e) => this with { Details = Details.Apply(e) };

    public MachineListItem Apply(ChainFactRetracted e) => this with { Details = Details.Apply(e) };
}

public sealed record MachineSummary(Guid Id, string Oem, string Customer, string Model, ushort Region, MachineState State, MachineState FinalState, DateTimeOffset UpdatedAt);

public static class ListMachines
{
    public static RouteGroupBuilder MapListMachines(this RouteGroupBuilder machines)
    {
        machines.MapGet("/", List).RequireAuthorization(Policies.Member);
        return machines;
    }

    /// <summary>An OEM sees its own machines, a customer those it rents, a maintainer those it is accredited for, the operator all.</summary>
    private static async Task<Ok<IReadOnlyList<MachineSummary>>> List(HttpContext http, IQuerySession session, CancellationToken ct)
    {
        var member = http.Member();
        var query = session.Query<MachineListItem>().AsQueryable();
        IReadOnlyList<MachineListItem> items;
        if (member.Has(MemberRoles.Operator))
        {
            items = await query.ToListAsync(ct);
        }
        else
        {
            var accreditations = member.Has(MemberRoles.Maintainer) ? await MachineVisibility.AccreditationsOfAsync(session, member, ct) : [];
            var oems = accreditations.Select(a => a.OemId).Distinct().ToArray();
            var candidates = await query.Where(m => m.Details.OemId == member.MemberId || m.Details.CustomerId == member.MemberId || oems.Contains(m.Details.OemId))
                .ToListAsync(ct);
            items = [.. candidates.Where(m => m.Details.IsParty(member) || accreditations.Any(a => a.OemId == m.Details.OemId && a.Covers(m.Details.Model, m.Details.Region)))];
        }
        return TypedResults.Ok<IReadOnlyList<MachineSummary>>([.. items.OrderByDescending(m => m.Details.UpdatedAt).Select(m => new MachineSummary(
            m.Id, m.Details.Oem, m.Details.Customer, m.Details.Model, m.Details.Region, m.Details.State, m.Details.FinalState, m.Details.UpdatedAt))]);
    }
}
