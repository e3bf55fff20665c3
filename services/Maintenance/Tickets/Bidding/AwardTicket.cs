using MaaS.Chain.Contracts;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Maintenance.Tickets.Bidding;

public static class AwardTicket
{
    public static RouteGroupBuilder MapAwardTicket(this RouteGroupBuilder tickets)
    {
        tickets.MapPost("/{ticketId:guid}/award", Award).RequireAuthorization(Policies.Member, Policies.Write);
        return tickets;
    }

    /// <summary>
    /// Closes an auction after its deadline (open bidding) or reveal deadline (sealed): the contract picks the best bid by the
    /// ticket's rule. Anybody may on chain; through this service the customer or a bidder (the watchdogs do it by themselves).
    /// </summary>
    private static Task<Accepted<OperationView>> Award(Guid ticketId, HttpContext http, TicketCommands commands, IMaintenanceMarket market, CancellationToken ct) =>
        commands.SubmitAsync(ticketId, TicketCommand.Award, http, (c, caller) =>
            Task.FromResult((market.Address, market.Award("", caller.Account, Bytes32.FromGuid(c.Ticket.MachineId), c.Ticket.Seq).Data)), ct);
}
