using MaaS.OffChain.Telemetry;

namespace MaaS.Telemetry.Querying;

/// <summary>
/// OEE of one machine over <c>[FromMs, ToMs)</c>, in basis points (10,000 = 100 %), integers rounded down; null where the
/// ratio is undefined (a zero denominator). Durations are in milliseconds.
/// </summary>
public sealed record OeeReport(
    Guid MachineId, long FromMs, long ToMs, long IdealRatePerHour, int Readings,
    long WindowMs, long PlannedMs, long RunningMs, long IdleMs, long MalfunctioningMs, long MaintenanceMs, long UnknownMs,
    long Produced, long Rejected, long? AvailabilityBp, long? PerformanceBp, long? QualityBp, long? OeeBp);

/// <summary>
/// The OEE definitions (docs/telemetry.md):
/// <list type="bullet">
/// <item>a reading's status holds from its <c>ts</c> until the next reading's <c>ts</c> (by ts, then seq), the last one until
/// the window ends; the status at the window start is that of the last reading before it; time before any reading is unknown;</item>
/// <item>planned time = window − maintenance; availability = running / planned;</item>
/// <item>performance = produced / (running hours × ideal rate per hour);</item>
/// <item>quality = (produced − rejected) / produced, with the counts of the readings whose ts lies in the window
/// (each reading's counts are the items since the previous reading);</item>
/// <item>OEE = availability × performance × quality.</item>
/// </list>
/// </summary>
internal static class OeeCalculator
{
    public readonly record struct Sample(long Ts, long Seq, ReadingStatus Status, long Produced, long Rejected);

    private const long Bp = 10_000;
    private const long HourMs = 3_600_000;

    /// <param name="samples">Sorted by ts then seq; at most one before <paramref name="fromMs"/> (the status in force at the start).</param>
    public static OeeReport Compute(Guid machineId, long fromMs, long toMs, long idealRatePerHour, IReadOnlyList<Sample> samples)
    {
        Span<long> time = stackalloc long[4];
        long unknown = 0, produced = 0, rejected = 0, cursor = fromMs;
        ReadingStatus? current = null;
        var readings = 0;
        foreach (var sample in samples)
        {
            if (sample.Ts < fromMs)
            {
                current = sample.Status;
                continue;
            }
            Hold(current, sample.Ts - cursor, time, ref unknown);
            (cursor, current) = (sample.Ts, sample.Status);
            produced += sample.Produced;
            rejected += sample.Rejected;
            readings++;
        }
        Hold(current, toMs - cursor, time, ref unknown);

        var running = time[(int)ReadingStatus.Running];
        var maintenance = time[(int)ReadingStatus.Maintenance];
        var window = toMs - fromMs;
        var planned = window - maintenance;
        long? availability = planned > 0 ? Ratio(running, planned) : null;
        long? performance = running > 0 && idealRatePerHour > 0 ? (long)((Int128)produced * HourMs * Bp / ((Int128)running * idealRatePerHour)) : null;
        long? quality = produced > 0 ? Ratio(produced - rejected, produced) : null;
        long? oee = availability is { } a && performance is { } p && quality is { } q ? (long)((Int128)a * p * q / (Bp * Bp)) : null;
        return new OeeReport(machineId, fromMs, toMs, idealRatePerHour, readings, window, planned, running, time[(int)ReadingStatus.Idle],
            time[(int)ReadingStatus.Malfunctioning], maintenance, unknown, produced, rejected, availability, performance, quality, oee);
    }

    private static void Hold(ReadingStatus? status, long duration, Span<long> time, ref long unknown)
    {
        if (status is { } s) time[(int)s] += duration;
        else unknown += duration;
    }

    private static long Ratio(long part, long whole) => (long)((Int128)part * Bp / whole);
}
