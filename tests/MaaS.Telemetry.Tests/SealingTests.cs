using System.Net;
using System.Security.Cryptography;
using MaaS.Contracts.Telemetry;
using MaaS.OffChain.Telemetry;
using MaaS.ServiceDefaults.Identity;
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

    /// <summary>What partners' batch-sealed events link to: the sealed bytes, also when a late reading interleaves two batches.</summary>
    [Fact]
    public async Task BatchReadings_AreTheSealedBytes_ForTheMachinesPartiesOnly()
    {
        var (oem, customer, stranger) = (TelemetryEnvironment.NewAccount(), TelemetryEnvironment.NewAccount(), TelemetryEnvironment.NewAccount());
        var device = await environment.RegisterMachineAsync(oem: oem, customer: customer);
        var all = device.Readings(1, 14);
        await environment.PostAcceptedAsync(device.Body(all.Skip(2).Take(10)));       // 3..12: batch 1
        await environment.PostAcceptedAsync(device.Body(all.Take(2).Concat(all.Skip(12)))); // 1, 2 late, 13, 14: batch 2 (by age)
        var batches = await BatchesAsync(device, 2);

        using var customerClient = environment.Environment.ClientFor(environment.Host.Address, TelemetryEnvironment.Member(customer, MemberRoles.Customer));
        foreach (var batch in batches)
        {
            using var response = await customerClient.GetAsync($"/api/telemetry/machines/{device.MachineId}/batches/{batch.BatchSeq}/readings");
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/x-ndjson");
            var bytes = await response.Content.ReadAsByteArrayAsync();
            bytes.ShouldBe(batch.Readings, $"batch {batch.BatchSeq}");
            response.Headers.GetValues("X-MaaS-Readings-Sha256").Single().ShouldBe(Convert.ToHexStringLower(SHA256.HashData(batch.Readings)));
        }

        using var unknownBatch = await customerClient.GetAsync($"/api/telemetry/machines/{device.MachineId}/batches/3/readings");
        unknownBatch.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var strangerClient = environment.Environment.ClientFor(environment.Host.Address,
            TelemetryEnvironment.Member(stranger, MemberRoles.Customer | MemberRoles.Oem | MemberRoles.Maintainer));
        using var refused = await strangerClient.GetAsync($"/api/telemetry/machines/{device.MachineId}/batches/1/readings");
        refused.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await refused.Content.ReadAsStringAsync()).ShouldNotContain("seq");
        using var anonymous = await environment.Devices.GetAsync($"/api/telemetry/machines/{device.MachineId}/batches/1/readings");
        anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
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
