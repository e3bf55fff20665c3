using MaaS.Maintenance.Machines;
using MaaS.Maintenance.Tickets;
using MaaS.ServiceDefaults.ChainFacts;
using MaaS.ServiceDefaults.Identity;
using ChainMachineState = MaaS.Chain.Contracts.MachineState;

namespace MaaS.Maintenance.Tests.Deciders;

/// <summary>States built from events, as the projections build them: no database.</summary>
public static class Given
{
    public const string Oem = "0x00000000000000000000000000000000000000e1";
    public const string Customer = "0x00000000000000000000000000000000000000c1";
    public const string MaintainerA = "0x00000000000000000000000000000000000000a1";
    public const string MaintainerB = "0x00000000000000000000000000000000000000b1";

    public static readonly DateTimeOffset T0 = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);
    public static readonly Guid MachineId = Guid.Parse("01960000-0000-7000-8000-0000000000aa");

    public static MemberIdentity Member(string account, MemberRoles roles) => new(MemberIds.For(account), account, roles, account, KeyScope.Write);

    public static MemberIdentity TheCustomer => Member(Customer, MemberRoles.Customer);

    public static MemberIdentity TheOem => Member(Oem, MemberRoles.Oem);

    public static MemberIdentity A => Member(MaintainerA, MemberRoles.Maintainer);

    public static MemberIdentity B => Member(MaintainerB, MemberRoles.Maintainer);

    public static ServicedMachine Machine(ChainMachineState state = ChainMachineState.Executed) => new()
    {
        Id = MachineId, Oem = Oem, OemId = MemberIds.For(Oem), Customer = Customer, CustomerId = MemberIds.For(Customer), Model = "CNC-5X", Region = 7,
        State = state, FinalState = state,
    };

    public static ChainRef At(long block, long logIndex = 0) => new($"0x{block:x64}", block, $"0xb{block:x63}", logIndex);

    /// <summary>A ticket folded from <paramref name="events"/> in order, as the inline projection does.</summary>
    public static TicketDetails Ticket(params object[] events) => events.Aggregate(new TicketDetails(), (t, e) => e switch
    {
        TicketOpenRequested x => t.Apply(x),
        TicketCommandRequested x => t.Apply(x),
        TicketOpenedOnChain x => t.Apply(x),
        AuctionOpenedOnChain x => t.Apply(x),
        TicketAcceptedOnChain x => t.Apply(x),
        BidPlacedOnChain x => t.Apply(x),
        BidCommittedOnChain x => t.Apply(x),
        BidRevealedOnChain x => t.Apply(x),
        TicketAwardedOnChain x => t.Apply(x),
        TicketCompletedOnChain x => t.Apply(x),
        TicketClosedOnChain x => t.Apply(x),
        TicketCancelledOnChain x => t.Apply(x),
        ChainFactRetracted x => t.Apply(x),
        WatchdogBackedOff x => t.Apply(x),
        WorkStarted x => t.Apply(x),
        SlaClockPaused x => t.Apply(x),
        SlaClockResumed x => t.Apply(x),
        ResolutionObserved x => t.Apply(x),
        SlaBreached x => t.Apply(x),
        _ => throw new ArgumentOutOfRangeException(nameof(events), e.GetType().Name),
    });

    public static Guid TicketId => TicketIds.For(MachineId, 1);

    public static TicketOpenedOnChain Opened(long block, bool final, SelectionMode mode = SelectionMode.Fcfs, TicketKind kind = TicketKind.Repair, int seconds = 0) =>
        new(TicketId, MachineId, 1, kind, mode, "QmDescription", At(block), final, T0.AddSeconds(seconds));

    public static AuctionOpenedOnChain Auction(long block, bool final, SelectionMode mode, ulong deadline, ulong revealDeadline = 0, RankingRule rule = RankingRule.LowestPrice) =>
        new(TicketId, MachineId, 1, mode, rule, 0, 0, 0, deadline, revealDeadline, At(block, 1), final, T0);

    public static TicketAcceptedOnChain Accepted(string maintainer, long block, bool final, int seconds = 0) =>
        new(TicketId, MachineId, 1, maintainer, At(block), final, T0.AddSeconds(seconds));

    public static TicketCompletedOnChain Completed(long block, bool final, int seconds = 0) => new(TicketId, MachineId, 1, "QmReport", At(block), final, T0.AddSeconds(seconds));

    public static ChainFactRetracted Retracted(long block, long logIndex = 0) => new(TicketId, At(block, logIndex), T0);
}
