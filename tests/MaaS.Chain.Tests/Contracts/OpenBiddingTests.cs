using Shouldly;

namespace MaaS.Chain.Tests.Contracts;

/// <summary>
/// Maintenance open bidding: selection at the N-th bid or by anybody after N blocks, by the rule recorded with the
/// ticket. The bids are crafted so that each rule picks a different maintainer:
/// A (price 500, eta 10,000 s) is the cheapest, B (2,000, 100 s) the fastest, C (800, 800 s) the best for
/// 1·price + 1·eta (A 10,500, B 2,100, C 1,600).
/// </summary>
[Trait("Category", "Integration")]
public sealed class OpenBiddingTests(ChainWorld world) : IClassFixture<ChainWorld>
{
    public const int LowestPrice = 0, LowestEta = 1, Weighted = 2;

    private ChainContract Maintenance => world.Maintenance;

    private (ChainActor Who, ulong Price, uint Eta)[] Bids =>
    [
        (world.MaintainerA, 500, 10_000),
        (world.MaintainerB, 2_000, 100),
        (world.MaintainerC, 800, 800),
    ];

    private ChainActor ExpectedWinner(int rule) => rule switch
    {
        LowestPrice => world.MaintainerA,
        LowestEta => world.MaintainerB,
        _ => world.MaintainerC,
    };

    private static object[] Params(int rule, int maxBids = 0, long biddingBlocks = 0) =>
        ChainWorld.AuctionParams(1, rule, rule == Weighted ? 1 : 0, rule == Weighted ? 1 : 0, maxBids, biddingBlocks);

    [Theory]
    [InlineData(LowestPrice)]
    [InlineData(LowestEta)]
    [InlineData(Weighted)]
    public async Task PlaceBid_TheNthBid_AwardsTheTicketToTheBestBidByTheRecordedRule(int rule)
    {
        var id = await world.RunningAsync();
        var seq = await world.OpenAuctionAsync(id, Params(rule, maxBids: 3));
        var auction = await Maintenance.ViewAsync("auction", id);
        (auction.Int("seq"), auction.Int("mode"), auction.Int("rule"), auction.Int("status"), auction.Int("maxBids")).ShouldBe(((int)seq, 1, rule, 1, 3));
        var ticket = await world.Registry.ViewAsync("ticket", id);
        (ticket.Int("status"), ticket.Int("mode")).ShouldBe((2, 1));

        Tx? last = null;
        foreach (var (who, price, eta) in Bids)
        {
            (await world.Registry.ViewAsync("ticket", id)).Int("status").ShouldBe(2, "still open before the last bid");
            last = await Maintenance.SendAsync(who, "placeBid", id, seq, price, eta);
            var placed = last.Event(Maintenance, "BidPlaced");
            (placed.Addr("bidder"), (ulong)placed.Num("price"), (uint)placed.Num("eta")).ShouldBe((who.Address, price, eta));
            (await Maintenance.ViewAsync("hasBid", id, seq, who.Address)).Bool(0).ShouldBeTrue();
        }

        var winner = ExpectedWinner(rule);
        var awarded = last!.Event(Maintenance, "TicketAwarded");
        awarded.Addr("maintainer").ShouldBe(winner.Address);
        last.Event(world.Registry, "TicketAccepted").Addr("maintainer").ShouldBe(winner.Address);
        (await Maintenance.ViewAsync("auction", id)).ShouldSatisfyAllConditions(
            a => a.Int("status").ShouldBe(2),
            a => a.Int("bidCount").ShouldBe(3));
        ticket = await world.Registry.ViewAsync("ticket", id);
        (ticket.Int("status"), ticket.Addr("maintainer")).ShouldBe((3, winner.Address));

        var loser = Bids.Select(b => b.Who).First(w => w != winner);
        ChainContract.Describe(await world.Registry.RefusalAsync(loser, "completeTicket", id, seq, Ids.Digest())).ShouldBe("NotAssignedMaintainer");
        await world.Registry.SendAsync(winner, "completeTicket", id, seq, Ids.Digest("report"));
        await world.Registry.SendAsync(world.Customer, "closeTicket", id, seq);
    }

    [Theory]
    [InlineData(LowestPrice)]
    [InlineData(LowestEta)]
    [InlineData(Weighted)]
    public async Task Award_AfterTheDeadlineBlock_ByAnybody_PicksTheBestBidByTheRecordedRule_AndNotBefore(int rule)
    {
        var id = await world.RunningAsync();
        const long biddingBlocks = 20;
        var seq = await world.OpenAuctionAsync(id, Params(rule, biddingBlocks: biddingBlocks));
        var deadline = (await Maintenance.ViewAsync("auction", id)).Long("deadline");
        foreach (var bid in Bids) await Maintenance.SendAsync(bid.Who, "placeBid", id, seq, bid.Price, bid.Eta);
        (await Maintenance.ViewAsync("bestBid", id)).Addr("bidder").ShouldBe(ExpectedWinner(rule).Address, "open bids: the running best is public");

        ChainContract.Describe(await Maintenance.RefusalAsync(world.Outsider, "award", id, seq)).ShouldBe("AwardTooEarly");
        await world.MineUntilAsync(deadline - 1);
        var tooEarly = await Maintenance.MinedRefusalAsync(world.Outsider, "award", id, seq);
        tooEarly.Tx.BlockNumber.ShouldBe(deadline, "at the deadline block itself bids are still taken");
        ChainContract.Describe(tooEarly.Error).ShouldBe("AwardTooEarly");

        ChainContract.Describe(await Maintenance.RefusalAsync(world.Unaccredited, "placeBid", id, seq, 1UL, 1u)).ShouldBe("BiddingClosed");
        var award = await Maintenance.SendAsync(world.Outsider, "award", id, seq);
        award.BlockNumber.ShouldBeGreaterThan(deadline);
        var winner = ExpectedWinner(rule);
        var (_, price, eta) = Bids.Single(b => b.Who == winner);
        var awarded = award.Event(Maintenance, "TicketAwarded");
        (awarded.Addr("maintainer"), (ulong)awarded.Num("price"), (uint)awarded.Num("eta")).ShouldBe((winner.Address, price, eta));
        (await world.Registry.ViewAsync("ticket", id)).Addr("maintainer").ShouldBe(winner.Address);
        ChainContract.Describe(await Maintenance.RefusalAsync(world.Outsider, "award", id, seq)).ShouldBe("AuctionNotOpen");
    }

    [Fact]
    public async Task Award_WhenTheBestBidderWasRevokedAfterBidding_IsRefused_AndTheCustomerCancelsAndReopens()
    {
        var revoked = await world.MemberAsync($"revoked bidder {Guid.NewGuid():N}", Roles.Maintainer);
        await world.Consortium.SendAsync(world.Oem, "accredit", ChainWorld.Model, ChainWorld.Region, revoked.Address);
        var id = await world.RunningAsync();
        var seq = await world.OpenAuctionAsync(id, Params(LowestPrice, biddingBlocks: 10));
        var deadline = (await Maintenance.ViewAsync("auction", id)).Long("deadline");
        await Maintenance.SendAsync(revoked, "placeBid", id, seq, 100UL, 3_600u);
        await Maintenance.SendAsync(world.MaintainerC, "placeBid", id, seq, 800UL, 800u);
        (await Maintenance.ViewAsync("bestBid", id)).Addr("bidder").ShouldBe(revoked.Address);
        await world.Consortium.SendAsync(world.Operator, "revokeMember", revoked.Address);
        await world.MineUntilAsync(deadline);

        var refused = await Maintenance.MinedRefusalAsync(world.Outsider, "award", id, seq);
        ChainContract.Describe(refused.Error).ShouldBe($"WinnerNotEligible({revoked.Address})", "a maintainer revoked after bidding does not win");
        (await world.Registry.ViewAsync("ticket", id)).Int("status").ShouldBe(2, "the ticket stays open, unassigned");
        (await Maintenance.ViewAsync("auction", id)).Int("status").ShouldBe(1);

        // Only the running best bid is stored, so there is no runner-up: the customer cancels and opens a new auction.
        await world.Registry.SendAsync(world.Customer, "cancelTicket", id, seq);
        ChainContract.Describe(await Maintenance.RefusalAsync(world.Outsider, "award", id, seq)).ShouldBe("TicketNotOpen");
        var again = await world.OpenAuctionAsync(id, Params(LowestPrice, maxBids: 1));
        var awarded = await Maintenance.SendAsync(world.MaintainerC, "placeBid", id, again, 800UL, 800u);
        awarded.Event(Maintenance, "TicketAwarded").Addr("maintainer").ShouldBe(world.MaintainerC.Address);
        (await world.Registry.ViewAsync("ticket", id)).Addr("maintainer").ShouldBe(world.MaintainerC.Address);
    }

    [Fact]
    public async Task PlaceBid_TheNthBid_WhenTheBestBidderLostItsAccreditation_IsRefused_UntilItIsAccreditedAgain()
    {
        var id = await world.RunningAsync();
        var seq = await world.OpenAuctionAsync(id, Params(LowestPrice, maxBids: 2));
        await Maintenance.SendAsync(world.MaintainerA, "placeBid", id, seq, 500UL, 10_000u);
        await world.Consortium.SendAsync(world.Oem, "withdrawAccreditation", ChainWorld.Model, ChainWorld.Region, world.MaintainerA.Address);
        try
        {
            ChainContract.Describe(await Maintenance.RefusalAsync(world.MaintainerC, "placeBid", id, seq, 800UL, 800u))
                .ShouldBe($"WinnerNotEligible({world.MaintainerA.Address})", "the award at the 2nd bid re-checks the best bidder, A");
        }
        finally
        {
            await world.Consortium.SendAsync(world.Oem, "accredit", ChainWorld.Model, ChainWorld.Region, world.MaintainerA.Address);
        }

        var last = await Maintenance.SendAsync(world.MaintainerC, "placeBid", id, seq, 800UL, 800u);
        last.Event(Maintenance, "TicketAwarded").Addr("maintainer").ShouldBe(world.MaintainerA.Address);
    }

    [Fact]
    public async Task PlaceBid_ExactTie_GoesToTheLowestBidKey_WhicheverOrderTheBidsArrive()
    {
        var id = await world.RunningAsync();
        var seq = await world.OpenAuctionAsync(id, Params(LowestPrice, maxBids: 2));
        var keyA = Ids.Hex((byte[])(await Maintenance.ViewAsync("bidKey", id, seq, world.MaintainerA.Address))[0]!);
        var keyC = Ids.Hex((byte[])(await Maintenance.ViewAsync("bidKey", id, seq, world.MaintainerC.Address))[0]!);
        var expected = string.CompareOrdinal(keyA, keyC) < 0 ? world.MaintainerA : world.MaintainerC;

        var snapshot = await world.SnapshotAsync();
        var winners = new List<string>();
        foreach (var order in new[] { new[] { world.MaintainerA, world.MaintainerC }, [world.MaintainerC, world.MaintainerA] })
        {
            Tx last = null!;
            foreach (var who in order) last = await Maintenance.SendAsync(who, "placeBid", id, seq, 700UL, 3600u);
            winners.Add(last.Event(Maintenance, "TicketAwarded").Addr("maintainer"));
            await world.RevertToAsync(snapshot);
            snapshot = await world.SnapshotAsync();
        }

        winners.ShouldBe([expected.Address, expected.Address], "the same winner in both arrival orders: the lowest tie-break hash");
    }
}
