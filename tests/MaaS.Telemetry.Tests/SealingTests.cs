using MaaS.Contracts.Telemetry;
using MaaS.OffChain.Telemetry;
using MaaS.Telemetry.Publishing;
using MaaS.Telemetry.Tests.Infrastructure;
using MaaS.Testing;
using Shouldly;

namespace MaaS.Telemetry.Tests;

public sealed class SealingEnvironment : TelemetryEnvironment
{
    public const int MaxReadings = 10;
    public const int MaxBytes = 2_000;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Telemetry:Sealing:MaxReadings"] = MaxReadings.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Telemetry:Sealing:MaxBytes"] = MaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Telemetry:Sealing:MaxAge"] = "00:00:02",
    };
}

[Trait("Category", "Integration")]
public sealed class SealingTests(SealingEnvironment environment) : IClassFixture<SealingEnvironment>
{
    [Fact]
    public async Task FullBatches_AreSealedBySize_TheRestByAge_EachReadingOnceInSeqOrder()
    {
        var device = await environment.RegisterMachineAsync();
        var readings = device.Readings(1, 25);
        await environment.PostAcceptedAsync(device.Body(readings.Reverse()));
        await environment.PostAcceptedAsync(device.Body(readings.Take(12))); // duplicates go into no batch

        var batches = await BatchesAsync(device, 3);
        ShouldBe(batches[0], 1, readings.Take(10));
        ShouldBe(batches[1], 2, readings.Skip(10).Take(10));
        ShouldBe(batches[2], 3, readings.Skip(20));
        await ShouldHaveBeenPublishedOnceAsync(device, 3);
    }

    [Fact]
    public async Task AnOpenBatch_IsSealedByAge()
    {
        var device = await environment.RegisterMachineAsync();
        var first = device.Readings(1, 3);
        await environment.PostAcceptedAsync(device.Body(first));
        ShouldBe((await BatchesAsync(device, 1))[0], 1, first);

        var second = device.Readings(4, 2);
        await environment.PostAcceptedAsync(device.Body(second));
        ShouldBe((await BatchesAsync(device, 2))[1], 2, second);
        var status = await environment.StatusAsync(device);
        status.GetProperty("batches").GetProperty("sealed").GetInt64().ShouldBe(2);
        status.GetProperty("batches").GetProperty("openReadings").GetInt32().ShouldBe(0);
        await ShouldHaveBeenPublishedOnceAsync(device, 2);
    }

    [Fact]
    public async Task Batches_NeverExceedTheByteLimit()
    {
        var device = await environment.RegisterMachineAsync();
        var sensors = Enumerable.Range(0, 8).ToDictionary(i => $"sensor_with_a_long_name_{i:D6}", i => 1_000_000_000L + i);
        var readings = Enumerable.Range(1, 7).Select(i => device.Reading(i, sensors: sensors, ts: TestDevice.NowMs - 10 + i)).ToList();
        var size = readings[0].Canonical().Length;
        var perBatch = (SealingEnvironment.MaxBytes + 1) / (size + 1);
        perBatch.ShouldBeInRange(2, 4, $"a reading of {size} bytes");

        await environment.PostAcceptedAsync(device.Body(readings));

        var expected = readings.Chunk(perBatch).ToList();
        var batches = await BatchesAsync(device, expected.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            ShouldBe(batches[i], i + 1, expected[i]);
            batches[i].Readings.Length.ShouldBeLessThanOrEqualTo(SealingEnvironment.MaxBytes);
        }
    }

    [Fact]
    public async Task LateReadings_AreStored_AndJoinTheNextBatch_InSeqOrder()
    {
        var device = await environment.RegisterMachineAsync();
        var all = device.Readings(1, 20);
        await environment.PostAcceptedAsync(device.Body(all.Skip(4).Take(10)));          // 5..14: batch 1, full
        await environment.PostAcceptedAsync(device.Body(all.Skip(14).Take(3)));          // 15..17: open
        await environment.PostAcceptedAsync(device.Body(all.Take(4).Concat(all.Skip(17)))); // 1..4 late, 18..20

        var batches = await BatchesAsync(device, 2);
        ShouldBe(batches[0], 1, all.Skip(4).Take(10));
        ShouldBe(batches[1], 2, all.Take(4).Concat(all.Skip(14)));
        (await environment.AllReadingsAsync(device)).Count.ShouldBe(20);
    }

    private async Task<IReadOnlyList<TelemetryBatchSealed>> BatchesAsync(TestDevice device, int count)
    {
        await Eventually.TrueAsync(() => Task.FromResult(environment.Messages.BatchesOf(device.MachineId).Count >= count), $"{count} batches of {device.MachineId}");
        return environment.Messages.BatchesOf(device.MachineId);
    }

    private static void ShouldBe(TelemetryBatchSealed batch, long number, IEnumerable<Reading> readings)
    {
        var ordered = readings.OrderBy(r => r.Seq).ToList();
        batch.BatchSeq.ShouldBe(number);
        System.Text.Encoding.UTF8.GetString(batch.Readings).ShouldBe(TestDevice.Lines(ordered));
        batch.Count.ShouldBe(ordered.Count);
        batch.FirstSeq.ShouldBe(ordered[0].Seq);
        batch.LastSeq.ShouldBe(ordered[^1].Seq);
        batch.FirstTimestampMs.ShouldBe(ordered.Min(r => r.Timestamp));
        batch.LastTimestampMs.ShouldBe(ordered.Max(r => r.Timestamp));
        ReadingBatchEncoding.SplitLines(batch.Readings).Select(l => Reading.ParseCanonical(l)).ShouldAllBe(r => r.Machine == batch.MachineId);
    }

    /// <summary>After the publisher has had time to repeat itself: one message per batch, under its stable id.</summary>
    private async Task ShouldHaveBeenPublishedOnceAsync(TestDevice device, int count)
    {
        await Task.Delay(1_500);
        var messages = environment.Messages.Batches.Where(b => b.Message.MachineId == device.MachineId).ToList();
        messages.Count.ShouldBe(count);
        messages.Select(m => m.MessageId).ShouldBe(messages.Select(m => (Guid?)PublishOutbox.BatchMessageId(device.MachineId, m.Message.BatchSeq)), ignoreOrder: true);
        messages.Select(m => m.Message.BatchSeq).Order().ShouldBe(Enumerable.Range(1, count).Select(i => (long)i));
    }
}
