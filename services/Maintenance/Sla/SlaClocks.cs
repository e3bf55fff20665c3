using MaaS.Maintenance.Tickets;

namespace MaaS.Maintenance.Sla;

/// <param name="ElapsedSeconds">Time on the clock: from start to stop (or now), minus the time paused in between.</param>
public sealed record SlaClockView(
    SlaClock Clock, double TargetSeconds, double ElapsedSeconds, double PausedSeconds, bool Started, bool Running, bool Paused, bool Breached,
    DateTimeOffset? StartedAt, DateTimeOffset? StoppedAt);

public sealed record SlaView(SlaClockView Accept, SlaClockView Resolution);

/// <summary>
/// A ticket's two SLA clocks, computed from its events (pure). Both start when the ticket is first seen open on chain.
/// <b>Accept</b> stops when the acceptance (or award) that still holds was first seen; <b>resolution</b> stops when the
/// machine runs again after the completion. Cancelling stops both. Pauses (waiting on the customer or on parts) do not
/// count. A clock is breached when its time passes the target for the ticket's kind.
/// </summary>
public static class SlaClocks
{
    public static SlaView Compute(TicketDetails ticket, SlaTargets targets, DateTimeOffset now) => new(
        Compute(SlaClock.Accept, ticket, ticket.AcceptedAt ?? ticket.CancelledAt, targets.TimeToAccept, now),
        Compute(SlaClock.Resolution, ticket, ticket.RunningAgainAt ?? ticket.CancelledAt, targets.TimeToResolution, now));

    private static SlaClockView Compute(SlaClock clock, TicketDetails ticket, DateTimeOffset? stop, TimeSpan target, DateTimeOffset now)
    {
        var start = ticket.OpenedAt;
        if (start is null) return new SlaClockView(clock, target.TotalSeconds, 0, 0, false, false, false, false, null, null);
        var end = stop ?? now;
        if (end < start) end = start.Value;
        var paused = ticket.Pauses.Sum(p => Overlap(p.From, p.To ?? now, start.Value, end).TotalSeconds);
        var elapsed = Math.Max(0, (end - start.Value).TotalSeconds - paused);
        var running = stop is null;
        return new SlaClockView(clock, target.TotalSeconds, elapsed, paused, true, running, running && ticket.Paused,
            elapsed > target.TotalSeconds || ticket.Breaches.Any(b => b.Clock == clock), start, stop);
    }

    private static TimeSpan Overlap(DateTimeOffset from, DateTimeOffset to, DateTimeOffset start, DateTimeOffset end)
    {
        var a = from > start ? from : start;
        var b = to < end ? to : end;
        return b > a ? b - a : TimeSpan.Zero;
    }
}
