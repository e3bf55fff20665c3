using MaaS.Contracts.Telemetry;
using MaaS.OffChain.Telemetry;

namespace MaaS.Anchoring.Tests.Support;

/// <summary>Sealed batches as the Telemetry service publishes them: canonical readings, one per line.</summary>
public static class Readings
{
    public static Reading At(Guid machine, long seq) => new(machine, seq, 1_764_000_000_000 + (seq * 1_000), seq % 7 == 0 ? ReadingStatus.Idle : ReadingStatus.Running,
        seq * 3, seq % 5, new Dictionary<string, long> { ["temp_mc"] = 20_000 + seq, ["spindle_rpm"] = 1_200 + (seq % 11) });

    /// <summary>Batch <paramref name="batchSeq"/> of <paramref name="count"/> readings, numbered on from the batches before it.</summary>
    public static TelemetryBatchSealed Batch(Guid machine, long batchSeq, int count = 10)
    {
        var first = ((batchSeq - 1) * count) + 1;
        return Batch(machine, batchSeq, Enumerable.Range(0, count).Select(i => first + i));
    }

    /// <summary>Batch <paramref name="batchSeq"/> of the readings <paramref name="seqs"/> (late readings make batches' ranges overlap).</summary>
    public static TelemetryBatchSealed Batch(Guid machine, long batchSeq, IEnumerable<long> seqs)
    {
        var readings = seqs.Order().Select(seq => At(machine, seq)).ToList();
        return new TelemetryBatchSealed(machine, batchSeq, readings[0].Seq, readings[^1].Seq, readings.Count, readings.Min(r => r.Timestamp),
            readings.Max(r => r.Timestamp), ReadingBatchEncoding.JoinLines(readings.Select(r => r.Canonical())), DateTimeOffset.UtcNow);
    }
}
