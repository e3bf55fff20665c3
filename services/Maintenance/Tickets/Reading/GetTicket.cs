using MaaS.Chain.Contracts;
using MaaS.Maintenance.Machines;
using MaaS.Maintenance.Sla;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace MaaS.Maintenance.Tickets.Reading;

public sealed record TicketMachine(Guid Id, string Oem, string Customer, string Model, ushort Region, MachineState State, MachineState FinalState);

/// <summary>A ticket with its machine, its SLA clocks now, and every operation sent for it (transactions, gas, submitted/mined/final times).</summary>
public sealed record TicketResponse(TicketDetails Ticket, TicketMachine Machine, SlaView Sla, IReadOnlyList<OperationView> Operations);

public static class GetTicket
{
    public static RouteGroupBuilder MapGetTicket(this RouteGroupBuilder tickets)
    {
        tickets.MapGet("/{ticketId:guid}", Get).RequireAuthorization(Policies.Member);
        return tickets;
    }

    /// <summary>The ticket with its full history (facts observed, final or retracted, with their transactions). ETag = stream version.</summary>
    private static async Task<Ok<TicketResponse>> Get(Guid ticketId, HttpContext http, IQuerySession session, IMachineRegistry registry,
        IOptions<MaintenanceOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var ticket = await session.LoadAsync<TicketDetails>(ticketId, ct) ?? throw DomainException.NotFound("Ticket", ticketId);
        var machine = await MachineLookup.LoadAsync(session, registry, ticket.MachineId, ct);
        if (machine is null || !await TicketVisibility.CanSeeAsync(session, ticket, machine, http.Member(), ct)) throw DomainException.NotFound("Ticket", ticketId);
        var operations = ticket.Operations.Count == 0 ? [] : await session.LoadManyAsync<OperationView>(ct, ticket.Operations.Select(o => o.OperationId).ToArray());
        var state = await session.Events.FetchStreamStateAsync(ticketId, ct);
        http.Response.Headers.ETag = TicketETags.For(state?.Version ?? 0);
        return TypedResults.Ok(new TicketResponse(ticket,
            new TicketMachine(machine.Id, machine.Oem, machine.Customer, machine.Model, machine.Region, machine.State, machine.FinalState),
            SlaClocks.Compute(ticket, options.Value.Sla.For(ticket.Kind), clock.GetUtcNow()), [.. operations.OrderBy(o => o.AcceptedAt)]));
    }
}
