using MaaS.Chain.Contracts;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Maintenance.Tickets.Accepting;

public static class AcceptTicket
{
    public static RouteGroupBuilder MapAcceptTicket(this RouteGroupBuilder tickets)
    {
        tickets.MapPost("/{ticketId:guid}/accept", Accept).RequireAuthorization(Policies.Maintainer, Policies.Write);
        return tickets;
    }

    /// <summary>
    /// An accredited maintainer takes a first-come-first-served ticket. Whoever is first in chain order wins; the answer is
    /// only the operation: the assignment exists once the acceptance is final (see the ticket's <c>finalAssignee</c>).
    /// </summary>
    private static Task<Accepted<OperationView>> Accept(Guid ticketId, HttpContext http, TicketCommands commands, IMachineRegistry registry, CancellationToken ct) =>
        commands.SubmitAsync(ticketId, TicketCommand.Accept, http, (c, caller) =>
            Task.FromResult((registry.Address, registry.AcceptTicket("", caller.Account, Bytes32.FromGuid(c.Ticket.MachineId), c.Ticket.Seq).Data)), ct);
}
