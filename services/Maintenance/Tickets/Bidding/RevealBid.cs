using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Maintenance.Tickets.Bidding;

public static class RevealBid
{
    public static RouteGroupBuilder MapRevealBid(this RouteGroupBuilder tickets)
    {
        tickets.MapPost("/{ticketId:guid}/reveal", Reveal).RequireAuthorization(Policies.Maintainer, Policies.Write);
        return tickets;
    }

    /// <summary>Reveals the caller's sealed bid (the secret this service kept when it committed) during the reveal window.</summary>
    private static Task<Accepted<OperationView>> Reveal(Guid ticketId, HttpContext http, TicketCommands commands, SealedBids sealedBids, CancellationToken ct) =>
        commands.SubmitAsync(ticketId, TicketCommand.Reveal, http, async (c, caller) => await sealedBids.RevealAsync(c.Ticket, caller.Account, ct)
            ?? throw DomainException.Conflict("no-secret", "This deployment holds no secret for your commitment on this ticket (it was committed elsewhere)."), ct);
}
