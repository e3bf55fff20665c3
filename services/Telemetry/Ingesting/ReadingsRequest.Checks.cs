using MaaS.OffChain.Telemetry;

namespace MaaS.Telemetry.Ingesting;

/// <summary>The value checks of a parsed request: ranges (422), sensor names and order, distinct sequence numbers.</summary>
internal sealed partial class ReadingsRequest
{
    private void CheckRanges(int i, in ReadingLimits limits, Errors errors)
    {
        if (Seq[i] < 1) errors.Add(i, "seq", "The sequence number is at least 1.");
        if (Timestamp[i] > limits.LatestTimestampMs) errors.Add(i, "ts", "The timestamp is more than the allowed skew in the future (Unix milliseconds expected).");
        if (Timestamp[i] < limits.EarliestTimestampMs) errors.Add(i, "ts", "The timestamp is older than the accepted window (Unix milliseconds expected).");
        if (Produced[i] < 0) errors.Add(i, "produced", "Counts are not negative.");
        if (Rejected[i] < 0) errors.Add(i, "rejected", "Counts are not negative.");
        else if (Rejected[i] > Produced[i]) errors.Add(i, "rejected", "Rejected items are part of the produced ones: rejected ≤ produced.");
        if (SensorCount[i] > Reading.MaxSensors) errors.Add(i, "sensors", $"A reading carries at most {Reading.MaxSensors} sensors.");
    }

    /// <summary>The same rule as <see cref="Reading.IsValidSensorName"/>, over bytes.</summary>
    private static bool IsValidSensorName(ReadOnlySpan<byte> name)
    {
        if (name.Length is < 1 or > 32 || name[0] is < (byte)'a' or > (byte)'z') return false;
        foreach (var c in name)
            if (c is not ((>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9') or (byte)'_')) return false;
        return true;
    }

    /// <summary>Canonical order is ordinal by name; a name twice in one reading is ambiguous and refused.</summary>
    private void SortSensors(Errors errors)
    {
        for (var i = 0; i < Count; i++)
        {
            var sensors = Sensors.AsSpan(SensorStart[i], SensorCount[i]);
            for (var j = 1; j < sensors.Length; j++)
            {
                var current = sensors[j];
                var k = j - 1;
                while (k >= 0 && NameOf(sensors[k]).SequenceCompareTo(NameOf(current)) > 0)
                {
                    sensors[k + 1] = sensors[k];
                    k--;
                }
                sensors[k + 1] = current;
            }
            for (var j = 1; j < sensors.Length; j++)
                if (NameOf(sensors[j - 1]).SequenceEqual(NameOf(sensors[j]))) errors.Add(i, "sensors", "A sensor name appears twice.");
        }
    }

    /// <summary>Reading indices in sequence order (computed once: sealing walks readings in this order).</summary>
    public int[] BySeq { get; private set; } = [];

    private void CheckDistinctSeqs(Errors errors)
    {
        var keys = Seq.AsSpan(0, Count).ToArray();
        var order = new int[Count];
        for (var i = 0; i < Count; i++) order[i] = i;
        Array.Sort(keys, order);
        for (var j = 1; j < Count; j++)
            if (keys[j] == keys[j - 1]) errors.Add(order[j], "seq", $"Sequence number {keys[j]} appears more than once in this request.");
        BySeq = order;
    }

    /// <summary>Range errors are collected (up to 20) so that a device learns everything wrong with a request at once.</summary>
    private sealed class Errors
    {
        private readonly Dictionary<string, List<string>> byField = [];
        private int count;

        public bool Any => count > 0;

        public void Add(int reading, string field, string message)
        {
            if (count++ >= MaxReportedErrors) return;
            var key = $"readings[{reading}].{field}";
            if (!byField.TryGetValue(key, out var list)) byField[key] = list = [];
            if (!list.Contains(message)) list.Add(message);
        }

        public Refusal ToRefusal() => Refusal.OutOfRange(byField.ToDictionary(e => e.Key, e => e.Value.ToArray()),
            count > MaxReportedErrors ? $"{count} problems; the first {MaxReportedErrors} are listed." : null);
    }
}
