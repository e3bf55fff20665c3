using MaaS.Maintenance.Tickets;
using MaaS.Maintenance.TrackRecords;
using MaaS.Maintenance.Watchdogs;
using Shouldly;
using static MaaS.Maintenance.Tests.Deciders.Given;

namespace MaaS.Maintenance.Tests.Deciders;

public sealed class WatchdogDecisionsTests
{
    private static WatchdogPolicy Policy(bool accept = true, bool bid = true, bool seal = true, int capacity = 2, string[]? models = null, bool fromTrackRecord = false) =>
        new(MaaS.ServiceDefaults.Identity.MemberIds.For(MaintainerA), MaintainerA, new WatchdogRules(true, models ?? [], [], [], capacity, accept, bid, seal,
            new PriceRule(12_000, 8_000), new EtaRule(3_600, 86_400, fromTrackRecord)), 1, true, T0);

    private static WatchdogAction? Decide(WatchdogPolicy policy, TicketDetails ticket, bool accredited = true, int load = 0, long head = 5, TrackRecordView? record = null) =>
        WatchdogDecisions.Decide(policy, ticket, Machine(), accredited, load, head, record);

    [Fact]
    public void AFirstComeTicket_IsAcceptedOnce_WithinCapacity_ForModelsItServes()
    {
        var open = Ticket(Opened(1, false));
        Decide(Policy(), open).ShouldBe(new WatchdogAction(TicketCommand.Accept));
        Decide(Policy(), open, accredited: false).ShouldBeNull();
        Decide(Policy(), open, load: 2).ShouldBeNull();
        Decide(Policy(models: ["LATHE-2"]), open).ShouldBeNull();
        Decide(Policy(accept: false), open).ShouldBeNull();
        Decide(Policy() with { Enabled = false }, open).ShouldBeNull();
        Decide(Policy(), open.Apply(new TicketCommandRequested(TicketId, Guid.NewGuid(), "accept", Guid.NewGuid(), MaintainerA, true, T0))).ShouldBeNull();
        Decide(Policy(), open.Apply(new WatchdogBackedOff(TicketId, MaintainerA, "accept", "lost", null, T0))).ShouldBeNull();
        Decide(Policy(), open.Apply(Accepted(MaintainerB, 2, false))).ShouldBeNull();
    }

    [Fact]
    public void AnOpenAuction_GetsOneBidAtThePolicysPriceAndEta_BeforeItsDeadline()
    {
        var bidding = Ticket(Opened(1, true, SelectionMode.Bidding, TicketKind.Preventive), Auction(1, true, SelectionMode.Bidding, deadline: 10));
        Decide(Policy(), bidding, head: 9).ShouldBe(new WatchdogAction(TicketCommand.Bid, 8_000, 86_400));
        Decide(Policy(), bidding, head: 10).ShouldBeNull();
        Decide(Policy(), bidding.Apply(new BidPlacedOnChain(TicketId, MachineId, 1, MaintainerA, 8_000, 86_400, At(3), false, T0)), head: 4).ShouldBeNull();
    }

    [Fact]
    public void ASealedAuction_IsCommittedInItsCommitWindow_AndRevealedInItsRevealWindow()
    {
        var sealedAuction = Ticket(Opened(1, true, SelectionMode.Sealed), Auction(1, true, SelectionMode.Sealed, deadline: 10, revealDeadline: 20));
        Decide(Policy(), sealedAuction, head: 9).ShouldBe(new WatchdogAction(TicketCommand.Commit, 12_000, 3_600));
        Decide(Policy(), sealedAuction, head: 10).ShouldBeNull();
        var committed = sealedAuction.Apply(new BidCommittedOnChain(TicketId, MachineId, 1, MaintainerA, "0xc0", At(4), false, T0));
        Decide(Policy(), committed, head: 9).ShouldBeNull();
        Decide(Policy(), committed, head: 10).ShouldBe(new WatchdogAction(TicketCommand.Reveal));
        Decide(Policy(), committed, head: 20).ShouldBeNull();
        Decide(Policy(), committed, head: 15, load: 99).ShouldBe(new WatchdogAction(TicketCommand.Reveal), "a reveal never waits for capacity");
    }

    [Fact]
    public void TheEtaRule_CanPromiseTheMaintainersOwnNinetiethPercentile()
    {
        var bidding = Ticket(Opened(1, true, SelectionMode.Bidding), Auction(1, true, SelectionMode.Bidding, deadline: 10));
        var record = new TrackRecordView(Guid.Empty, MaintainerA, 5, 5, 5, 0, DurationStats.Of([]), DurationStats.Of([100, 200, 300, 400, 5_000.2]), 0, 0, 30, 0, 0, T0);
        Decide(Policy(fromTrackRecord: true), bidding, record: record).ShouldBe(new WatchdogAction(TicketCommand.Bid, 12_000, 5_001));
        var young = record with { TimeToResolution = DurationStats.Of([100, 200]) };
        Decide(Policy(fromTrackRecord: true), bidding, record: young).ShouldBe(new WatchdogAction(TicketCommand.Bid, 12_000, 3_600));
    }

    [Fact]
    public void AnAuctionIsAwarded_OnceItsDeadlinePassed_WhenItHasBids()
    {
        var bidding = Ticket(Opened(1, true, SelectionMode.Bidding), Auction(1, true, SelectionMode.Bidding, deadline: 10));
        WatchdogDecisions.ShouldAward(bidding, 20).ShouldBeFalse("no bids");
        var bid = bidding.Apply(new BidPlacedOnChain(TicketId, MachineId, 1, MaintainerA, 8_000, 60, At(3), false, T0));
        WatchdogDecisions.ShouldAward(bid, 9).ShouldBeFalse();
        WatchdogDecisions.ShouldAward(bid, 10).ShouldBeTrue();
        WatchdogDecisions.Load(MaintainerA, [bid]).ShouldBe(1);
        WatchdogDecisions.Load(MaintainerB, [bid]).ShouldBe(0);
    }
}
