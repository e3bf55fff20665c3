using FluentValidation;
using MaaS.ServiceDefaults.Hosting;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Maintenance.Tickets.Opening;

/// <param name="Description">What is wrong or due (any text, at most 64 KiB): stored off-chain, its CID goes on chain.</param>
/// <param name="MaxBids">Bidding: the ticket is awarded at this many bids (0 = only by <paramref name="BiddingBlocks"/>).</param>
/// <param name="BiddingBlocks">Bidding: bids are taken for this many blocks (0 = only by <paramref name="MaxBids"/>); sealed: the commit window.</param>
/// <param name="RevealBlocks">Sealed: the reveal window after the commit window.</param>
public sealed record OpenTicketRequest(
    Guid MachineId, TicketKind Kind, SelectionMode Mode, string Description, RankingRule Rule = RankingRule.LowestPrice, ushort PriceWeight = 0,
    ushort EtaWeight = 0, ushort MaxBids = 0, uint BiddingBlocks = 0, uint RevealBlocks = 0)
{
    public AuctionTerms Terms => new(Rule, PriceWeight, EtaWeight, MaxBids, BiddingBlocks, RevealBlocks);
}

/// <summary>The contract's rules for an auction's terms, checked before anything is sent.</summary>
public sealed class OpenTicketValidator : AbstractValidator<OpenTicketRequest>
{
    public OpenTicketValidator()
    {
        RuleFor(r => r.MachineId).NotEmpty();
        RuleFor(r => r.Kind).IsInEnum();
        RuleFor(r => r.Mode).IsInEnum();
        RuleFor(r => r.Rule).IsInEnum();
        RuleFor(r => r.Description).NotEmpty().MaximumLength(64 * 1024);
        When(r => r.Mode == SelectionMode.Fcfs, () =>
            RuleFor(r => r.Terms).Must(t => t == AuctionTerms.None).WithMessage("A first-come-first-served ticket takes no auction terms."));
        When(r => r.Mode == SelectionMode.Bidding, () =>
        {
            RuleFor(r => r).Must(r => r.MaxBids > 0 || r.BiddingBlocks > 0).WithName("MaxBids").WithMessage("Bidding closes after MaxBids bids or BiddingBlocks blocks; set at least one.");
            RuleFor(r => r.RevealBlocks).Equal(0u).WithMessage("Open bidding has no reveal window.");
        });
        When(r => r.Mode == SelectionMode.Sealed, () =>
        {
            RuleFor(r => r.MaxBids).Equal((ushort)0).WithMessage("Sealed bidding closes by blocks, not by a count of bids.");
            RuleFor(r => r.BiddingBlocks).GreaterThan(0u).WithMessage("Sealed bidding needs a commit window (BiddingBlocks).");
            RuleFor(r => r.RevealBlocks).GreaterThan(0u).WithMessage("Sealed bidding needs a reveal window (RevealBlocks).");
        });
        When(r => r.Mode != SelectionMode.Fcfs && r.Rule == RankingRule.Weighted, () =>
            RuleFor(r => r).Must(r => r.PriceWeight > 0 || r.EtaWeight > 0).WithName("PriceWeight").WithMessage("A weighted rule needs a price or an ETA weight."));
        When(r => r.Mode != SelectionMode.Fcfs && r.Rule != RankingRule.Weighted, () =>
            RuleFor(r => r).Must(r => r.PriceWeight == 0 && r.EtaWeight == 0).WithName("PriceWeight").WithMessage("Weights belong to the weighted rule only."));
    }
}

public static class OpenTicket
{
    public static RouteGroupBuilder MapOpenTicket(this RouteGroupBuilder tickets)
    {
        tickets.MapPost("/", Open).RequireAuthorization(Policies.Customer, Policies.Write);
        return tickets;
    }

    /// <summary>The machine's customer opens a ticket; 202 with the operation (its subject is the ticket id).</summary>
    private static async Task<Accepted<OperationView>> Open(OpenTicketRequest request, HttpContext http, TicketOpener opener, ServiceIdentity service, CancellationToken ct)
    {
        var customer = http.Member();
        var operation = await opener.OpenAsync(http.OperationId(customer), customer,
            new TicketOpening(request.MachineId, request.Kind, request.Mode, request.Mode == SelectionMode.Fcfs ? AuctionTerms.None : request.Terms, request.Description), ct);
        return TypedResults.Accepted(service.Location(operation.Id), operation);
    }
}
