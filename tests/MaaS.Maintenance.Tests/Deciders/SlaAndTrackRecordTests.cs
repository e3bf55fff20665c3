using MaaS.Maintenance.Sla;
using MaaS.Maintenance.Tickets;
using MaaS.Maintenance.TrackRecords;
using MaaS.ServiceDefaults.Identity;
using Shouldly;
using static MaaS.Maintenance.Tests.Deciders.Given;

namespace MaaS.Maintenance.Tests.Deciders;

public sealed class SlaAndTrackRecordTests
{
    private static readonly SlaTargets Targets = new() { TimeToAccept = TimeSpan.FromMinutes(30), TimeToResolution = TimeSpan.FromHours(8) };

    private static readonly Guid ById = MemberIds.For(MaintainerA);

    [Fact]
    public void TheClocks_RunFromTheOpening_AndDoNotCountPauses()
    {
        var ticket = Ticket(Opened(1, true, seconds: 0), Accepted(MaintainerA, 2, true, seconds: 600),
            new SlaClockPaused(TicketId, PauseReason.WaitingOnParts, "bearing", ById, T0.AddHours(1)),
            new SlaClockResumed(TicketId, ById, T0.AddHours(3)));
        var sla = SlaClocks.Compute(ticket, Targets, T0.AddHours(5));
        (sla.Accept.ElapsedSeconds, sla.Accept.Running, sla.Accept.Breached).ShouldBe((600d, false, false));
        (sla.Resolution.ElapsedSeconds, sla.Resolution.PausedSeconds, sla.Resolution.Running).ShouldBe((3 * 3600d, 2 * 3600d, true));

        var paused = ticket.Apply(new SlaClockPaused(TicketId, PauseReason.WaitingOnCustomer, null, ById, T0.AddHours(6)));
        SlaClocks.Compute(paused, Targets, T0.AddHours(9)).Resolution.ElapsedSeconds.ShouldBe(4 * 3600d, "stopped at 6 h while paused");
        SlaClocks.Compute(paused, Targets, T0.AddHours(9)).Resolution.Paused.ShouldBeTrue();

        var resolved = ticket.Apply(new ResolutionObserved(TicketId, "chain", "0x1", T0.AddHours(11)));
        var late = SlaClocks.Compute(resolved, Targets, T0.AddDays(3)).Resolution;
        (late.ElapsedSeconds, late.Running, late.Breached).ShouldBe((9 * 3600d, false, true));
    }

    [Fact]
    public void TheSweep_RecordsEachBreachOnce_AndSettlesWhenBothClocksStopped()
    {
        var options = new MaintenanceOptions();
        var open = Ticket(Opened(1, true));
        SlaSweeper.Assess(open, Machine(), options, T0.AddMinutes(10)).ShouldBeEmpty();
        var breach = SlaSweeper.Assess(open, Machine(), options, T0.AddMinutes(31)).ShouldHaveSingleItem().ShouldBeOfType<SlaBreached>();
        (breach.Clock, breach.TargetSeconds).ShouldBe((SlaClock.Accept, 1800d));
        SlaSweeper.Assess(open.Apply(breach), Machine(), options, T0.AddMinutes(40)).ShouldBeEmpty();

        var cancelled = open.Apply(breach).Apply(new TicketCancelledOnChain(TicketId, MachineId, 1, At(3), true, T0.AddMinutes(50)));
        SlaSweeper.Assess(cancelled, Machine(), options, T0.AddHours(20)).ShouldHaveSingleItem().ShouldBeOfType<SlaSettled>();
    }

    [Fact]
    public void RunningAgainFromTelemetry_CountsOnlyAfterTheCompletion_AndOnlyOnce()
    {
        static Contracts.Telemetry.MachineRunningAgain Reading(int seconds) =>
            new(MachineId, 7, T0.AddSeconds(seconds).ToUnixTimeMilliseconds(), T0.AddSeconds(seconds + 1));
        var accepted = Ticket(Opened(1, true), Accepted(MaintainerA, 2, true, seconds: 60));
        MachineRunningAgainConsumer.Decide(accepted, Reading(600)).ShouldBeNull("the work is not reported done yet");
        MachineRunningAgainConsumer.Decide(null, Reading(600)).ShouldBeNull();

        var completed = accepted.Apply(Completed(3, false, seconds: 3600));
        MachineRunningAgainConsumer.Decide(completed, Reading(3000)).ShouldBeNull("a reading from before the completion");
        var resolved = MachineRunningAgainConsumer.Decide(completed, Reading(4000)).ShouldNotBeNull();
        (resolved.Source, resolved.At).ShouldBe(("telemetry", T0.AddSeconds(4000)));
        var after = completed.Apply(resolved);
        (after.RunningAgainAt, after.ResolutionSource).ShouldBe((T0.AddSeconds(4000), "telemetry"));
        SlaClocks.Compute(after, Targets, T0.AddDays(1)).Resolution.ElapsedSeconds.ShouldBe(4000d);

        MachineRunningAgainConsumer.Decide(after, Reading(5000)).ShouldBeNull("the clock stopped already");
        after.Apply(new ResolutionObserved(TicketId, "chain", "0x1", T0.AddSeconds(4500))).ResolutionSource.ShouldBe("telemetry");
    }

    [Fact]
    public void TheTrackRecord_HasPercentilesAndCountsRepeatFailuresWithinTheWindow()
    {
        DurationStats.Of([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]).ShouldBe(new DurationStats(10, 55, 50, 90, 100));
        var options = new MaintenanceOptions { RepeatFailureWindow = TimeSpan.FromDays(7) };
        var first = Ticket(Opened(1, true), Accepted(MaintainerA, 2, true, seconds: 120), Completed(3, true, seconds: 3600),
            new ResolutionObserved(TicketId, "chain", null, T0.AddHours(2)));
        var again = new TicketDetails().Apply(new TicketOpenedOnChain(TicketIds.For(MachineId, 2), MachineId, 2, TicketKind.Repair, SelectionMode.Fcfs, "Qm2",
            At(50), true, T0.AddDays(3)));
        var muchLater = new TicketDetails().Apply(new TicketOpenedOnChain(TicketIds.For(MachineId, 3), MachineId, 3, TicketKind.Repair, SelectionMode.Fcfs, "Qm3",
            At(90), true, T0.AddDays(30)));

        var record = TrackRecord.Compute(ById, [first], [first, again], options, T0.AddDays(31));
        (record.Assigned, record.Completed, record.RepeatFailures, record.RepeatFailureRate).ShouldBe((1, 1, 1, 1d));
        (record.TimeToAccept.P50Seconds, record.TimeToResolution.P90Seconds).ShouldBe((120d, 7200d));
        TrackRecord.Compute(ById, [first], [first, muchLater], options, T0.AddDays(31)).RepeatFailures.ShouldBe(0);
    }
}
