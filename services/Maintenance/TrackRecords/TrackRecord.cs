using MaaS.Maintenance.Sla;
using MaaS.Maintenance.Tickets;

namespace MaaS.Maintenance.TrackRecords;

/// <summary>Nearest-rank percentiles of durations, in seconds (null when there is nothing to measure).</summary>
public sealed record DurationStats(int Count, double? MeanSeconds, double? P50Seconds, double? P90Seconds, double? MaxSeconds)
{
    public static DurationStats Of(IReadOnlyCollection<double> seconds)
    {
        if (seconds.Count == 0) return new DurationStats(0, null, null, null, null);
        var sorted = seconds.Order().ToArray();
        double Rank(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new DurationStats(sorted.Length, Math.Round(sorted.Average(), 3), Rank(0.5), Rank(0.9), sorted[^1]);
    }
}

/// <param name="RepeatFailures">Completed tickets of this maintainer after which the same machine needed another repair within the window.</param>
public sealed record TrackRecordView(
    Guid MaintainerId, string? Account, int Assigned, int Completed, int Closed, int Cancelled, DurationStats TimeToAccept, DurationStats TimeToResolution,
    int RepeatFailures, double RepeatFailureRate, double RepeatFailureWindowDays, int AcceptBreaches, int ResolutionBreaches, DateTimeOffset At);

/// <summary>
/// A maintainer's record over the tickets whose final maintainer it was (pure): how fast they were accepted (open →
/// accepted, without pauses), how fast they were resolved (open → machine running again, without pauses), SLA breaches,
/// and repeat failures — a repair ticket on the same machine opened within the window after its completion.
/// </summary>
public static class TrackRecord
{
    public static TrackRecordView Compute(Guid maintainerId, IReadOnlyList<TicketDetails> assigned, IReadOnlyList<TicketDetails> sameMachines,
        MaintenanceOptions options, DateTimeOffset now)
    {
        var accept = new List<double>();
        var resolution = new List<double>();
        foreach (var ticket in assigned)
        {
            var sla = SlaClocks.Compute(ticket, options.Sla.For(ticket.Kind), now);
            if (ticket.AcceptedAt is not null && !sla.Accept.Running) accept.Add(sla.Accept.ElapsedSeconds);
            if (ticket.RunningAgainAt is not null) resolution.Add(sla.Resolution.ElapsedSeconds);
        }
        var completed = assigned.Where(t => t.CompletedAt is not null).ToList();
        var repeats = completed.Count(t => sameMachines.Any(next => next.MachineId == t.MachineId && next.Seq > t.Seq && next.Kind == TicketKind.Repair
            && next.OpenedAt is { } opened && opened > t.CompletedAt && opened <= t.CompletedAt + options.RepeatFailureWindow));
        return new TrackRecordView(
            maintainerId, assigned.FirstOrDefault()?.FinalAssignee, assigned.Count, completed.Count,
            assigned.Count(t => t.FinalStatus == TicketStatus.Closed), assigned.Count(t => t.FinalStatus == TicketStatus.Cancelled),
            DurationStats.Of(accept), DurationStats.Of(resolution), repeats, completed.Count == 0 ? 0 : Math.Round((double)repeats / completed.Count, 4),
            options.RepeatFailureWindow.TotalDays, assigned.Sum(t => t.Breaches.Count(b => b.Clock == SlaClock.Accept)),
            assigned.Sum(t => t.Breaches.Count(b => b.Clock == SlaClock.Resolution)), now);
    }
}
