using MaaS.Maintenance.Tickets;
using MaaS.ServiceDefaults.ChainFacts;
using Shouldly;
using static MaaS.Maintenance.Tests.Deciders.Given;

namespace MaaS.Maintenance.Tests.Deciders;

/// <summary>The ticket read model folds chain facts observed → final, or observed → retracted.</summary>
public sealed class TicketProjectionTests
{
    [Fact]
    public void AnObservedAcceptance_IsNotAnAssignment_UntilItIsFinal()
    {
        var observed = Ticket(Opened(10, true), Accepted(MaintainerA, 11, false));
        (observed.Status, observed.FinalStatus, observed.Assignee, observed.FinalAssignee, observed.WorkPending)
            .ShouldBe((TicketStatus.Accepted, TicketStatus.Open, MaintainerA, (string?)null, false));

        var final = Ticket(Opened(10, true), Accepted(MaintainerA, 11, false), Accepted(MaintainerA, 11, true));
        (final.FinalStatus, final.FinalAssignee, final.WorkPending).ShouldBe((TicketStatus.Accepted, MaintainerA, true));
        final.History.Single(h => h.Event == "TicketAccepted").FinalAt.ShouldNotBeNull();
        final.Apply(new WorkStarted(TicketId, MaintainerA, "0x1", T0)).WorkPending.ShouldBeFalse();
    }

    [Fact]
    public void ARetractedAcceptance_LeavesTheTicketOpen_AndTheReplacementWins()
    {
        var reorged = Ticket(Opened(10, true), Accepted(MaintainerA, 11, false), Retracted(11), Accepted(MaintainerB, 11, false), Accepted(MaintainerB, 11, true));
        reorged.FinalAssignee.ShouldBe(MaintainerB);
        reorged.History.Where(h => h.Event == "TicketAccepted").Select(h => (h.Actor, h.Status))
            .ShouldBe([(MaintainerA, FactStatus.Retracted), (MaintainerB, FactStatus.Final)]);

        var justRetracted = Ticket(Opened(10, true), Accepted(MaintainerA, 11, false), Retracted(11));
        (justRetracted.Status, justRetracted.Assignee, justRetracted.AcceptedAt).ShouldBe((TicketStatus.Open, (string?)null, (DateTimeOffset?)null));
    }

    [Fact]
    public void TheIntentAlone_IsRequested_AndTheChainFactOpensIt()
    {
        var requested = Ticket(new TicketOpenRequested(TicketId, MachineId, 1, Guid.NewGuid(), Guid.NewGuid(), Customer, TicketKind.Preventive, SelectionMode.Bidding,
            new AuctionTerms(RankingRule.LowestEta, 0, 0, 3, 0, 0), "QmMine", null, T0));
        (requested.Status, requested.Active, requested.Auction!.MaxBids).ShouldBe((TicketStatus.Requested, true, (ushort)3));
        var opened = requested.Apply(Opened(10, false, SelectionMode.Bidding, TicketKind.Preventive));
        (opened.Status, opened.OpenedAt, opened.Operations.Single().Command).ShouldBe((TicketStatus.Open, (DateTimeOffset?)T0, "open"));
    }

    [Fact]
    public void RepeatedObservationsAndBackOffs_AreIdempotent()
    {
        var ticket = Ticket(Opened(10, false), Opened(10, false), Opened(10, true), Opened(10, true),
            new WatchdogBackedOff(TicketId, MaintainerB, "accept", "lost", null, T0), new WatchdogBackedOff(TicketId, MaintainerB, "accept", "lost", null, T0));
        ticket.History.Count.ShouldBe(1);
        ticket.BackOffs.Count.ShouldBe(1);
    }
}
