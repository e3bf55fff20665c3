using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Maintenance.Tickets.Bidding;

public static class CommitBid
{
    public static RouteGroupBuilder MapCommitBid(this RouteGroupBuilder tickets)
    {
        tickets.MapPost("/{ticketId:guid}/commitments", Commit).RequireAuthorization(Policies.Maintainer, Policies.Write);
        return tickets;
    }

    /// <summary>
    /// An accredited maintainer's sealed bid: the service draws the salt, keeps price, ETA and salt for the reveal, and
    /// sends only the commitment.
    /// </summary>
    private static Task<Accepted<OperationView>> Commit(Guid ticketId, BidRequest request, HttpContext http, TicketCommands commands, SealedBids sealedBids, CancellationToken ct) =>
        commands.SubmitAsync(ticketId, TicketCommand.Commit, http,
            (c, caller) => sealedBids.CommitAsync(c.Ticket, caller.Account, request.Price, request.EtaSeconds, keepExisting: false, ct), ct);
}
