using MaaS.Chain.Contracts;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Maintenance.Tickets.Cancelling;

public static class CancelTicket
{
    public static RouteGroupBuilder MapCancelTicket(this RouteGroupBuilder tickets)
    {
        tickets.MapPost("/{ticketId:guid}/cancel", Cancel).RequireAuthorization(Policies.Customer, Policies.Write);
        return tickets;
    }

    /// <summary>The customer withdraws an open or accepted ticket (not once completed); an auction of it is dead on chain.</summary>
    private static Task<Accepted<OperationView>> Cancel(Guid ticketId, HttpContext http, TicketCommands commands, IMachineRegistry registry, CancellationToken ct) =>
        commands.SubmitAsync(ticketId, TicketCommand.Cancel, http, (c, caller) =>
            Task.FromResult((registry.Address, registry.CancelTicket("", caller.Account, Bytes32.FromGuid(c.Ticket.MachineId), c.Ticket.Seq).Data)), ct);
}
