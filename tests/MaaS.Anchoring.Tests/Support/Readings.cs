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
        var readings = Enumerable.Range(0, count).Select(i => At(machine, first + i)).ToList();
        return new TelemetryBatchSealed(machine, batchSeq, first, first + count - 1, count, readings[0].Timestamp, readings[^1].Timestamp,
            ReadingBatchEncoding.JoinLines(readings.Select(r => r.Canonical())), DateTimeOffset.UtcNow);
    }
}
