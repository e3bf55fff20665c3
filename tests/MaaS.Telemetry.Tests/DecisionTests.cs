using System.Text;
using MaaS.Contracts.Telemetry;
using MaaS.OffChain.Telemetry;
using MaaS.Telemetry.Ingesting;
using MaaS.Telemetry.Querying;
using MaaS.Telemetry.Storage;
using MaaS.Telemetry.Tests.Infrastructure;
using Shouldly;

namespace MaaS.Telemetry.Tests;

/// <summary>Batch assignment, detection and OEE as pure decisions: given the machine's state and a request, then the plan.</summary>
public sealed class DecisionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly SealingOptions Sealing = new() { MaxReadings = 4, MaxBytes = 100_000 };

    private static MachineIngestState State(long maxSeq = 0, ReadingStatus? last = null, OpenBatch? open = null, bool gapOpen = false) =>
        new("0xdevice", true, maxSeq, maxSeq == 0 ? null : 1_000, last, null, maxSeq, gapOpen, false, open ?? OpenBatch.Empty(1));

    private static (IngestPlan Plan, ReadingsRequest Request) Decide(MachineIngestState state, IEnumerable<Reading> readings, SealingOptions? sealing = null,
        Func<long, bool>? stored = null)
    {
        var list = readings.ToList();
        var device = new TestDevice(list[0].Machine);
        var (request, refusal) = ReadingsRequest.Parse(Encoding.UTF8.GetBytes(device.Body(list, sign: false)), new ReadingLimits(5_000, 0, long.MaxValue));
        refusal.ShouldBeNull();
        using var signed = SignedReadings.Encode(request!);
        var duplicate = Enumerable.Range(0, request!.Count).Select(i => stored?.Invoke(request.Seq[i]) ?? false).ToArray();
        return (IngestPlan.Decide(device.MachineId, state, request, signed.Lengths, duplicate, sealing ?? Sealing, Now), request);
    }

    private static IEnumerable<Reading> Seqs(TestDevice device, params long[] seqs) => seqs.Select(s => device.Reading(s, ts: 1_000 + s));

    [Fact]
    public void FullBatchesAreSealed_InSeqOrder_NumberedOnFromTheOpenOne()
    {
        var device = new TestDevice(Guid.NewGuid());
        var (plan, request) = Decide(State(maxSeq: 2, open: new OpenBatch(7, 2, 300, 1, 2, 1_001, 1_002, Now.AddSeconds(-1))), Seqs(device, 9, 3, 4, 5, 6, 7, 8));

        plan.Sealed.Select(b => (b.BatchSeq, b.FirstSeq, b.LastSeq, b.Count)).ShouldBe([(7L, 1L, 4L, 4), (8L, 5L, 8L, 4)]);
        plan.After.Open.ShouldSatisfyAllConditions(o => o.Number.ShouldBe(9), o => o.Count.ShouldBe(1), o => o.MinSeq.ShouldBe(9), o => o.Since.ShouldBe(Now));
        Enumerable.Range(0, request.Count).Select(i => (request.Seq[i], plan.BatchOf[i])).OrderBy(x => x.Item1)
            .ShouldBe([(3L, 7L), (4L, 7L), (5L, 8L), (6L, 8L), (7L, 8L), (8L, 8L), (9L, 9L)]);
        plan.After.MaxSeq.ShouldBe(9);
        plan.After.ReadingCount.ShouldBe(2 + 7);
    }

    [Fact]
    public void ABatchNeverOutgrowsTheByteLimit()
    {
        var device = new TestDevice(Guid.NewGuid());
        var size = device.Reading(1, ts: 1_001).Canonical().Length;
        var (plan, _) = Decide(State(), Seqs(device, 1, 2, 3, 4, 5), new SealingOptions { MaxReadings = 100, MaxBytes = 2 * size + 1 });
        plan.Sealed.Select(b => b.Count).ShouldBe([2, 2]);
        plan.Sealed.ShouldAllBe(b => b.Bytes == 2 * size + 1);
        plan.After.Open.Count.ShouldBe(1);
    }

    [Fact]
    public void Duplicates_JoinNoBatch_AndLateReadings_ChangeNoStatus()
    {
        var device = new TestDevice(Guid.NewGuid());
        var readings = new[] { device.Reading(3, ReadingStatus.Malfunctioning, ts: 1_003), device.Reading(5, ReadingStatus.Running, ts: 1_005), device.Reading(6, ts: 1_006) };
        var (plan, request) = Decide(State(maxSeq: 5, last: ReadingStatus.Running), readings, stored: seq => seq == 5);

        plan.NewCount.ShouldBe(2);
        plan.BatchOf[Array.IndexOf(request.Seq, 5L)].ShouldBe(0);
        plan.Messages.ShouldBeEmpty(); // seq 3 is late: its malfunction is history, not a transition
        plan.After.LastStatus.ShouldBe(ReadingStatus.Running);
        plan.After.MaxSeq.ShouldBe(6);
    }

    [Fact]
    public void TransitionsToMalfunctioning_AreEachOneFailure_AndANewReadingEndsAGap()
    {
        var device = new TestDevice(Guid.NewGuid());
        var statuses = new[] { ReadingStatus.Malfunctioning, ReadingStatus.Malfunctioning, ReadingStatus.Idle, ReadingStatus.Malfunctioning };
        var (plan, _) = Decide(State(maxSeq: 10, last: ReadingStatus.Running, gapOpen: true), statuses.Select((s, i) => device.Reading(11 + i, s, ts: 2_000 + i)));

        plan.Messages[0].Body.ShouldBe(new TelemetryGapEnded(device.MachineId, 1_000, 2_000, Now));
        plan.Messages.Skip(1).Select(m => ((MachineFailureDetected)m.Body).Seq).ShouldBe([11L, 14L]);
        plan.After.GapOpen.ShouldBeFalse();
        plan.After.FailureReported.ShouldBeTrue();
        plan.After.LastStatus.ShouldBe(ReadingStatus.Malfunctioning);
    }

    [Fact]
    public void ReadingMinutes_GroupSeqRangesByMinuteOfTs()
    {
        var (minutes, low, high) = ReadingMinutes.Of([(5, 60_000), (3, 119_999), (9, 120_000), (4, 61_000)]);
        minutes.Zip(low, high).OrderBy(m => m.First).ShouldBe([(1L, 3L, 5L), (2L, 9L, 9L)]);
        ReadingMinutes.Window(60_000, 120_000).ShouldBe((1L, 1L));
        ReadingMinutes.Window(long.MinValue, long.MaxValue).ShouldBe((0L, long.MaxValue / 60_000));
        ReadingMinutes.MinuteOf(-1).ShouldBe(-1);
    }

    [Fact]
    public void Oee_StatusHoldsUntilTheNextReading_AndTheLastUntilTheWindowEnds()
    {
        var samples = new OeeCalculator.Sample[]
        {
            new(50, 1, ReadingStatus.Idle, 9, 9),
            new(100, 2, ReadingStatus.Running, 10, 1),
            new(400, 3, ReadingStatus.Maintenance, 0, 0),
            new(600, 4, ReadingStatus.Running, 10, 0),
        };
        var report = OeeCalculator.Compute(Guid.Empty, 100, 1_000, 144_000, samples);
        (report.RunningMs, report.MaintenanceMs, report.IdleMs, report.UnknownMs).ShouldBe((700L, 200L, 0L, 0L));
        report.Produced.ShouldBe(20);      // the reading at 50 is before the window
        report.AvailabilityBp.ShouldBe(10_000); // 700 / (900 − 200)
        report.PerformanceBp.ShouldBe(7_142);   // 20 / (0.7 s × 40/s = 28) = 0.71428…
        report.QualityBp.ShouldBe(9_500);       // 19 / 20
        report.OeeBp.ShouldBe(6_784);           // 10,000 × 7,142 × 9,500 / 10⁸ = 6,784.9
    }

    [Fact]
    public void Oee_BeforeTheFirstReading_TimeIsUnknown_AndRatiosWithoutDenominatorsAreNull()
    {
        var report = OeeCalculator.Compute(Guid.Empty, 0, 1_000, 3_600, [new(250, 1, ReadingStatus.Maintenance, 0, 0)]);
        report.UnknownMs.ShouldBe(250);
        report.PlannedMs.ShouldBe(250);
        report.AvailabilityBp.ShouldBe(0);
        report.PerformanceBp.ShouldBeNull();
        report.QualityBp.ShouldBeNull();
        report.OeeBp.ShouldBeNull();
        OeeCalculator.Compute(Guid.Empty, 0, 1_000, 3_600, [new(0, 1, ReadingStatus.Maintenance, 0, 0)]).AvailabilityBp.ShouldBeNull();
    }
}
