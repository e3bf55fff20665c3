using FluentValidation;
using MaaS.Chain.Contracts;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Maintenance.Tickets.Bidding;

/// <param name="Price">In minor currency units.</param>
/// <param name="EtaSeconds">Promised time to intervention.</param>
public sealed record BidRequest(ulong Price, uint EtaSeconds);

public sealed class BidRequestValidator : AbstractValidator<BidRequest>
{
    public BidRequestValidator()
    {
        RuleFor(r => r.Price).GreaterThan(0ul);
        RuleFor(r => r.EtaSeconds).GreaterThan(0u);
    }
}

public static class PlaceBid
{
    public static RouteGroupBuilder MapPlaceBid(this RouteGroupBuilder tickets)
    {
        tickets.MapPost("/{ticketId:guid}/bids", Bid).RequireAuthorization(Policies.Maintainer, Policies.Write);
        return tickets;
    }

    /// <summary>An accredited maintainer's one open bid; the <c>maxBids</c>-th bid awards the ticket on chain.</summary>
    private static Task<Accepted<OperationView>> Bid(Guid ticketId, BidRequest request, HttpContext http, TicketCommands commands, IMaintenanceMarket market, CancellationToken ct) =>
        commands.SubmitAsync(ticketId, TicketCommand.Bid, http, (c, caller) => Task.FromResult((market.Address,
            market.PlaceBid("", caller.Account, Bytes32.FromGuid(c.Ticket.MachineId), c.Ticket.Seq, request.Price, request.EtaSeconds).Data)), ct);
}
