using System.Net;
using MaaS.Maintenance.Tests.Fixtures;
using MaaS.Maintenance.Tickets;
using MaaS.ServiceDefaults.ChainFacts;
using Shouldly;
using Contract = MaaS.Contracts.Maintenance;

namespace MaaS.Maintenance.Tests.Market;

/// <summary>Deferred selection through the API: open bidding closed by a count of bids or by blocks, and sealed commit–reveal bidding.</summary>
[Collection(MarketCollection.Name)]
[Trait("Category", "Integration")]
public sealed class BiddingTests(MarketFixture market)
{
    [Fact]
    public async Task OpenBidding_ClosedAtTheThirdBid_IsAwardedToTheLowestPrice()
    {
        const string model = "BID-COUNT";
        var (a, b, c) = (market.MaintainerA, market.MaintainerB, market.MaintainerC);
        await market.DisableWatchdogsAsync();
        await Task.WhenAll(market.AccreditAsync(a, model), market.AccreditAsync(b, model), market.AccreditAsync(c, model));
        var machineId = await market.ProvisionAsync(market.Customer, model);
        await market.SetWatchdogAsync(a, MarketFixture.Rules(model, bid: true, price: 9_000, eta: 3_600));

        var (ticketId, opening) = await market.OpenTicketAsync(market.Customer,
            new { machineId, kind = "repair", mode = "bidding", description = "Hydraulic pressure drops", rule = "lowestPrice", maxBids = 3 });
        await market.WaitForOperationAsync(market.Customer, opening.Id);
        // A's watchdog bids by itself; B and C bid through the API. The third bid awards the ticket on chain.
        await market.WaitForTicketAsync(b, ticketId, t => t.Ticket.Bids.Any(x => x.Bidder == a.Account), "A's watchdog to bid");
        await market.WaitForOperationAsync(b, (await market.TicketCommandAsync(b, ticketId, "bids", new { price = 7_000, etaSeconds = 7_200 })).Id);
        using (var twice = await market.As(b).PostJsonAsync($"/api/maintenance/tickets/{ticketId}/bids", new { price = 6_000, etaSeconds = 7_200 }))
            await twice.ShouldBeProblemAsync(HttpStatusCode.Conflict, "already-bid");
        await market.WaitForOperationAsync(c, (await market.TicketCommandAsync(c, ticketId, "bids", new { price = 8_000, etaSeconds = 1_800 })).Id);

        var awarded = await market.WaitForTicketAsync(market.Customer, ticketId, t => t.Ticket.FinalAssignee is not null && t.Ticket.Award is { Status: FactStatus.Final });
        awarded.Ticket.FinalAssignee.ShouldBe(b.Account);
        (awarded.Ticket.Award!.Maintainer, awarded.Ticket.Award.Price, awarded.Ticket.Award.Eta).ShouldBe((b.Account, 7_000ul, 7_200u));
        awarded.Ticket.Bids.Select(x => (x.Bidder, x.Price)).ShouldBe([(a.Account, 9_000ul), (b.Account, 7_000ul), (c.Account, 8_000ul)], ignoreOrder: true);
        awarded.Ticket.Auction.ShouldNotBeNull().MaxBids.ShouldBe((ushort)3);
        awarded.Ticket.Status.ShouldBe(TicketStatus.Accepted);

        await Eventually.TrueAsync(() => Task.FromResult(market.Events.All<Contract.TicketAwarded>().Any(e => e.TicketId == ticketId)), "TicketAwarded on the bus");
        await Eventually.TrueAsync(() => Task.FromResult(market.Events.All<Contract.BidPlaced>().Where(e => e.TicketId == ticketId).Select(e => e.Bidder).Distinct().Count() == 3),
            "three BidPlaced on the bus");
        market.Events.All<Contract.TicketAwarded>().Single(e => e.TicketId == ticketId).Maintainer.ShouldBe(b.Account);
        await Eventually.TrueAsync(() => Task.FromResult(market.Events.All<Contract.TicketAccepted>().Any(e => e.TicketId == ticketId)), "TicketAccepted on the bus");
        market.Events.All<Contract.TicketAccepted>().Where(e => e.TicketId == ticketId).Select(e => e.Maintainer).Distinct().ShouldBe([b.Account]);
        await market.WaitForTicketAsync(b, ticketId, t => t.Ticket.WorkStartedBy.SequenceEqual([b.Account]), "the winner to start work");
    }

    [Fact]
    public async Task OpenBidding_ClosedAfterItsBlocks_IsAwardedByTheServiceToTheLowestEta()
    {
        const string model = "BID-BLOCKS";
        var (a, b) = (market.MaintainerA, market.MaintainerB);
        await market.DisableWatchdogsAsync();
        await Task.WhenAll(market.AccreditAsync(a, model), market.AccreditAsync(b, model));
        var machineId = await market.ProvisionAsync(market.Customer, model);
        await market.SetWatchdogAsync(a, MarketFixture.Rules(model, bid: true, price: 5_000, eta: 5_000));

        var (ticketId, opening) = await market.OpenTicketAsync(market.Customer,
            new { machineId, kind = "repair", mode = "bidding", description = "Conveyor misaligned", rule = "lowestEta", biddingBlocks = 400 });
        await market.WaitForOperationAsync(market.Customer, opening.Id);
        await market.WaitForOperationAsync(b, (await market.TicketCommandAsync(b, ticketId, "bids", new { price = 20_000, etaSeconds = 3_000 })).Id);
        // The window is wide so that B's bid makes it even on a loaded machine (the ticker mines every 250 ms; a
        // 16-block window once closed before the bid). Once both bids are in, the rest of the window is mined at once.
        var open = await market.WaitForTicketAsync(market.Customer, ticketId, t => t.Ticket.Bids.Count == 2, "both bids");
        await MineThroughAsync((long)open.Ticket.Auction.ShouldNotBeNull().Deadline.ShouldNotBeNull());

        // Nobody calls award: the service does it for the customer once the deadline block has passed.
        var awarded = await market.WaitForTicketAsync(market.Customer, ticketId, t => t.Ticket.FinalAssignee is not null, "the award after the deadline");
        awarded.Ticket.FinalAssignee.ShouldBe(b.Account);
        awarded.Ticket.Bids.Count.ShouldBe(2);
        var deadline = awarded.Ticket.Auction.ShouldNotBeNull().Deadline.ShouldNotBeNull();
        var award = awarded.Ticket.History.Single(h => h.Event == "TicketAwarded");
        award.Block.ShouldBeGreaterThan((long)deadline);
        awarded.Ticket.Operations.ShouldContain(o => o.Command == "award" && o.ByWatchdog && o.Account == market.Customer.Account);
    }

    [Fact]
    public async Task SealedBidding_PricesStayHiddenUntilRevealed_AndTheWeightedRuleSelectsTheWinner()
    {
        const string model = "BID-SEALED";
        var (a, b, c) = (market.MaintainerA, market.MaintainerB, market.MaintainerC);
        await market.DisableWatchdogsAsync();
        await Task.WhenAll(market.AccreditAsync(a, model), market.AccreditAsync(b, model), market.AccreditAsync(c, model));
        var machineId = await market.ProvisionAsync(market.Customer, model);
        // Weighted 1·price + 1·eta: A 9,000, B 12,000, C 7,000 (C commits and reveals through the API).
        await market.SetWatchdogAsync(a, MarketFixture.Rules(model, seal: true, price: 5_000, eta: 4_000));
        await market.SetWatchdogAsync(b, MarketFixture.Rules(model, seal: true, price: 3_000, eta: 9_000));

        var (ticketId, opening) = await market.OpenTicketAsync(market.Customer, new
        {
            machineId, kind = "repair", mode = "sealed", description = "Coolant leak", rule = "weighted", priceWeight = 1, etaWeight = 1,
            biddingBlocks = 400, revealBlocks = 400, // wide windows, mined through once everybody has acted (see the open-bidding test)
        });
        await market.WaitForOperationAsync(market.Customer, opening.Id);
        await market.WaitForOperationAsync(c, (await market.TicketCommandAsync(c, ticketId, "commitments", new { price = 6_000, etaSeconds = 1_000 })).Id);

        // During the commit window the chain (and the ticket) hold commitments only; revealing is refused until the window ends.
        var sealedTicket = await market.WaitForTicketAsync(c, ticketId, t => t.Ticket.Commitments.Count == 3, "three commitments");
        sealedTicket.Ticket.Bids.ShouldBeEmpty();
        sealedTicket.Ticket.Commitments.ShouldAllBe(x => !x.Revealed && x.Commitment.StartsWith("0x"));
        using (var early = await market.As(c).PostJsonAsync($"/api/maintenance/tickets/{ticketId}/reveal", null))
            await early.ShouldBeProblemAsync(HttpStatusCode.Conflict, "not-reveal-phase");

        // C reveals as soon as the reveal window opens; the watchdogs reveal A's and B's by themselves; the service awards.
        await MineThroughAsync((long)sealedTicket.Ticket.Auction!.Deadline!.Value);
        await market.WaitForOperationAsync(c, (await market.TicketCommandAsync(c, ticketId, "reveal")).Id);
        var revealed = await market.WaitForTicketAsync(c, ticketId, t => t.Ticket.Commitments.All(x => x.Revealed), "the three reveals");
        await MineThroughAsync((long)revealed.Ticket.Auction!.RevealDeadline!.Value);
        var awarded = await market.WaitForTicketAsync(market.Customer, ticketId, t => t.Ticket.FinalAssignee is not null, "the award after the reveal window", 120);
        awarded.Ticket.FinalAssignee.ShouldBe(c.Account);
        (awarded.Ticket.Award!.Price, awarded.Ticket.Award.Eta).ShouldBe((6_000ul, 1_000u));
        awarded.Ticket.Bids.Select(x => (x.Bidder, x.Price, x.Eta, x.Sealed)).ShouldBe(
            [(a.Account, 5_000ul, 4_000u, true), (b.Account, 3_000ul, 9_000u, true), (c.Account, 6_000ul, 1_000u, true)], ignoreOrder: true);
        awarded.Ticket.Commitments.ShouldAllBe(x => x.Revealed);
        awarded.Ticket.History.Single(h => h.Event == "TicketAwarded").Block.ShouldBeGreaterThan((long)awarded.Ticket.Auction!.RevealDeadline!.Value);
        await Eventually.TrueAsync(() => Task.FromResult(market.Events.All<Contract.BidPlaced>().Count(e => e.TicketId == ticketId && e.Sealed) >= 3),
            "three revealed bids on the bus");
    }

    /// <summary>Mines past <paramref name="deadline"/> at once instead of waiting for the ticker to get there.</summary>
    private async Task MineThroughAsync(long deadline)
    {
        var head = await market.Chain.HeadAsync();
        if (head <= deadline) await market.Chain.MineAsync(deadline - head + 1);
    }
}
