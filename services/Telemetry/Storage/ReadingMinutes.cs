namespace MaaS.Telemetry.Storage;

/// <summary>
/// The time index of the readings: for each machine and each minute of <c>ts</c> that has readings, the lowest and the
/// highest seq among them (<c>telemetry.reading_minutes</c>, upserted by the ingest transaction: one row per minute a
/// request touches, instead of one more index entry per reading). Every reading with <c>from ≤ ts &lt; to</c> has a seq
/// within [min of min_seq, max of max_seq] over the minutes of that window, so a time query is one primary-key range
/// scan filtered on <c>ts</c> — tight whenever a device's clock and its sequence move together, still correct when not.
/// </summary>
internal static class ReadingMinutes
{
    public const long MinuteMs = 60_000;

    public static long MinuteOf(long ts) => ts / MinuteMs - (ts % MinuteMs < 0 ? 1 : 0);

    /// <summary>The minutes holding readings with <paramref name="fromMs"/> ≤ ts &lt; <paramref name="toMs"/> (readings never have a negative ts).</summary>
    public static (long First, long Last) Window(long fromMs, long toMs) => (MinuteOf(Math.Max(0, fromMs)), toMs == long.MinValue ? -1 : MinuteOf(toMs - 1));

    /// <summary>Upserts the minutes of a request's new readings: one row per (machine, minute), in one statement.</summary>
    public const string Upsert = """
        INSERT INTO telemetry.reading_minutes (machine_id, minute, min_seq, max_seq)
        SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::bigint[])
        ON CONFLICT (machine_id, minute) DO UPDATE
        SET min_seq = least(reading_minutes.min_seq, EXCLUDED.min_seq), max_seq = greatest(reading_minutes.max_seq, EXCLUDED.max_seq)
        """;

    /// <summary>(minute, min seq, max seq) of the given readings, in arrays for <see cref="Upsert"/>.</summary>
    public static (long[] Minutes, long[] MinSeqs, long[] MaxSeqs) Of(IEnumerable<(long Seq, long Ts)> readings)
    {
        var minutes = new Dictionary<long, (long Min, long Max)>();
        foreach (var (seq, ts) in readings)
        {
            var minute = MinuteOf(ts);
            minutes[minute] = minutes.TryGetValue(minute, out var range) ? (Math.Min(range.Min, seq), Math.Max(range.Max, seq)) : (seq, seq);
        }
        return ([.. minutes.Keys], [.. minutes.Values.Select(v => v.Min)], [.. minutes.Values.Select(v => v.Max)]);
    }
}
