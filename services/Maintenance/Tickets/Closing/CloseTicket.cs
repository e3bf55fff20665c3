using MaaS.Chain.Contracts;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Maintenance.Tickets.Closing;

public static class CloseTicket
{
    public static RouteGroupBuilder MapCloseTicket(this RouteGroupBuilder tickets)
    {
        tickets.MapPost("/{ticketId:guid}/close", Close).RequireAuthorization(Policies.Customer, Policies.Write);
        return tickets;
    }

    /// <summary>The customer accepts the completed work. At finality <c>TicketClosed</c> goes out, and the Machines service restarts the machine.</summary>
    private static Task<Accepted<OperationView>> Close(Guid ticketId, HttpContext http, TicketCommands commands, IMachineRegistry registry, CancellationToken ct) =>
        commands.SubmitAsync(ticketId, TicketCommand.Close, http, (c, caller) =>
            Task.FromResult((registry.Address, registry.CloseTicket("", caller.Account, Bytes32.FromGuid(c.Ticket.MachineId), c.Ticket.Seq).Data)), ct);
}
