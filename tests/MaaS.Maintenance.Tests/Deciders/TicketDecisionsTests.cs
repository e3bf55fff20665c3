using MaaS.Maintenance.Tickets;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using Shouldly;
using static MaaS.Maintenance.Tests.Deciders.Given;
using ChainMachineState = MaaS.Chain.Contracts.MachineState;

namespace MaaS.Maintenance.Tests.Deciders;

public sealed class TicketDecisionsTests
{
    private static DomainException Refused(TicketCommand command, DecisionContext context) =>
        Should.Throw<DomainException>(() => TicketDecisions.Decide(command, context));

    [Fact]
    public void Open_ByAnyoneButTheCustomer_Is403_AndWhileATicketIsActive_Is409()
    {
        Refused(TicketCommand.Open, new(TheOem, Machine(), null, false, 0)).Status.ShouldBe(403);
        Refused(TicketCommand.Open, new(TheCustomer, Machine(), Ticket(Opened(1, true)), false, 0)).Code.ShouldBe("ticket-active");
        Refused(TicketCommand.Open, new(TheCustomer, Machine(ChainMachineState.Registered), null, false, 0)).Code.ShouldBe("invalid-machine-state");
        TicketDecisions.Decide(TicketCommand.Open, new(TheCustomer, Machine(ChainMachineState.Stopped), Ticket(Opened(1, true), Accepted(MaintainerA, 2, true),
            Completed(3, true), new TicketClosedOnChain(TicketId, MachineId, 1, At(4), true, T0)), false, 0));
    }

    [Fact]
    public void Accept_ByANonAccreditedMaintainerOrACustomer_Is403_OnAnAuction_Is409()
    {
        var open = Ticket(Opened(1, true));
        Refused(TicketCommand.Accept, new(A, Machine(), open, false, 5)).Status.ShouldBe(403);
        Refused(TicketCommand.Accept, new(TheCustomer, Machine(), open, true, 5)).Status.ShouldBe(403);
        Refused(TicketCommand.Accept, new(A, Machine(), Ticket(Opened(1, true, SelectionMode.Bidding)), true, 5)).Code.ShouldBe("wrong-mode");
        TicketDecisions.Decide(TicketCommand.Accept, new(A, Machine(), open, true, 5));
    }

    [Fact]
    public void Complete_BeforeTheAssignmentIsFinal_Is409_ByAnotherMaintainer_Is403()
    {
        var observed = Ticket(Opened(1, true), Accepted(MaintainerA, 2, false));
        Refused(TicketCommand.Complete, new(A, Machine(), observed, true, 0)).Code.ShouldBe("assignment-not-final");
        var final = Ticket(Opened(1, true), Accepted(MaintainerA, 2, false), Accepted(MaintainerA, 2, true));
        Refused(TicketCommand.Complete, new(B, Machine(), final, true, 0)).Status.ShouldBe(403);
        TicketDecisions.Decide(TicketCommand.Complete, new(A, Machine(), final, true, 0));
    }

    [Fact]
    public void BidsCommitsAndReveals_RespectTheAuctionsBlockWindows()
    {
        var bidding = Ticket(Opened(1, true, SelectionMode.Bidding), Auction(1, true, SelectionMode.Bidding, deadline: 10));
        TicketDecisions.Decide(TicketCommand.Bid, new(A, Machine(), bidding, true, 9));
        Refused(TicketCommand.Bid, new(A, Machine(), bidding, true, 10)).Code.ShouldBe("bidding-closed");
        var bid = bidding.Apply(new BidPlacedOnChain(TicketId, MachineId, 1, MaintainerA, 100, 60, At(5), false, T0));
        Refused(TicketCommand.Bid, new(A, Machine(), bid, true, 6)).Code.ShouldBe("already-bid");
        Refused(TicketCommand.Award, new(TheCustomer, Machine(), bid, false, 9)).Code.ShouldBe("award-too-early");
        TicketDecisions.Decide(TicketCommand.Award, new(TheCustomer, Machine(), bid, false, 10));
        TicketDecisions.Decide(TicketCommand.Award, new(A, Machine(), bid, false, 10));
        Refused(TicketCommand.Award, new(B, Machine(), bid, false, 10)).Status.ShouldBe(403);

        var sealedAuction = Ticket(Opened(1, true, SelectionMode.Sealed), Auction(1, true, SelectionMode.Sealed, deadline: 10, revealDeadline: 20));
        TicketDecisions.Decide(TicketCommand.Commit, new(A, Machine(), sealedAuction, true, 9));
        Refused(TicketCommand.Commit, new(A, Machine(), sealedAuction, true, 10)).Code.ShouldBe("commit-phase-over");
        var committed = sealedAuction.Apply(new BidCommittedOnChain(TicketId, MachineId, 1, MaintainerA, "0xc0", At(4), true, T0));
        Refused(TicketCommand.Reveal, new(A, Machine(), committed, true, 9)).Code.ShouldBe("not-reveal-phase");
        TicketDecisions.Decide(TicketCommand.Reveal, new(A, Machine(), committed, true, 10));
        Refused(TicketCommand.Reveal, new(A, Machine(), committed, true, 20)).Code.ShouldBe("not-reveal-phase");
        Refused(TicketCommand.Reveal, new(B, Machine(), committed, true, 12)).Code.ShouldBe("no-commitment");
    }

    [Fact]
    public void CloseCancelAndPause_BelongToTheRightParties()
    {
        var accepted = Ticket(Opened(1, true), Accepted(MaintainerA, 2, true));
        Refused(TicketCommand.Close, new(TheCustomer, Machine(), accepted, false, 0)).Code.ShouldBe("invalid-ticket-state");
        Refused(TicketCommand.Cancel, new(TheOem, Machine(), accepted, false, 0)).Status.ShouldBe(403);
        TicketDecisions.Decide(TicketCommand.Cancel, new(TheCustomer, Machine(), accepted, false, 0));
        Refused(TicketCommand.Cancel, new(TheCustomer, Machine(), accepted.Apply(Completed(3, true)), false, 0)).Code.ShouldBe("invalid-ticket-state");
        TicketDecisions.Decide(TicketCommand.Pause, new(A, Machine(), accepted, false, 0));
        Refused(TicketCommand.Pause, new(B, Machine(), accepted, false, 0)).Status.ShouldBe(403);
        var paused = accepted.Apply(new SlaClockPaused(TicketId, PauseReason.WaitingOnParts, null, MemberIds.For(MaintainerA), T0));
        Refused(TicketCommand.Pause, new(TheCustomer, Machine(), paused, false, 0)).Code.ShouldBe("already-paused");
        Refused(TicketCommand.Resume, new(TheCustomer, Machine(), accepted, false, 0)).Code.ShouldBe("not-paused");
    }
}
