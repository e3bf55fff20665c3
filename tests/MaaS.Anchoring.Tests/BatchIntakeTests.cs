using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MaaS.Anchoring.Batches;
using MaaS.Anchoring.Tests.Support;
using MaaS.Testing;
using Shouldly;

namespace MaaS.Anchoring.Tests;

public sealed class IntakeFixture : WorldFixture
{
    protected override string Purpose => "anchoring intake";

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Anchoring:RoundMaxBatches"] = "8",
        ["Anchoring:RoundMaxAge"] = "00:00:00.500",
    };
}

[Trait("Category", "Integration")]
public sealed class BatchIntakeTests(IntakeFixture fixture) : IClassFixture<IntakeFixture>
{
    private AnchoringWorld World => fixture.World;

    [Fact]
    public async Task TheSameBatchDeliveredTwice_IsStoredAndAnchoredOnce()
    {
        var machine = await World.RegisterMachineAsync();
        var batch = Readings.Batch(machine, 1);
        await Task.WhenAll(World.Bus.PublishAsync(batch), World.Bus.PublishAsync(batch), World.Bus.PublishAsync(batch with { SealedAt = DateTimeOffset.UtcNow }));
        await World.AnchoredAsync(machine, 1);
        await World.Bus.PublishAsync(batch);
        await Task.Delay(1_500);
        World.Bus.AnchoredOf(machine).Count.ShouldBe(1);
        var view = await World.GetAsync<BatchView>(World.Customer, $"/api/anchoring/machines/{machine}/batches/1");
        view.Status.ShouldBe(BatchStatus.Anchored);
    }

    [Fact]
    public async Task ABatchForAMachineNotKnownYet_WaitsForItsGroup_ThenIsAnchored()
    {
        var machine = Guid.CreateVersion7();
        await World.Bus.PublishAsync(Readings.Batch(machine, 1));
        using var client = World.ClientFor(World.Customer);
        await Task.Delay(1_000);
        World.Bus.AnchoredOf(machine).ShouldBeEmpty();

        await World.RegisterMachineAsync(machine);
        await Eventually.TrueAsync(async () =>
        {
            using var response = await client.GetAsync($"/api/anchoring/machines/{machine}/batches/1");
            return response.StatusCode == HttpStatusCode.OK;
        }, "the waiting batch to be stored once its machine is known");
        var anchored = (await World.AnchoredAsync(machine, 1)).Single();
        anchored.Count.ShouldBe(10);
        (await client.GetAsync($"/api/anchoring/machines/{machine}/batches/1/readings")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "count", "count-mismatch" },
        { "machine", "wrong-machine" },
        { "order", "sequence" },
        { "not-canonical", "not-canonical" },
        { "too-large", "too-large" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task AMalformedBatch_IsRefusedAndNeverAnchored_TheNextOneIs(string how, string reason)
    {
        var machine = await World.RegisterMachineAsync();
        var good = Readings.Batch(machine, 1);
        var lines = MaaS.OffChain.Telemetry.ReadingBatchEncoding.SplitLines(good.Readings);
        var bad = how switch
        {
            "count" => good with { Count = 11 },
            "machine" => Readings.Batch(Guid.CreateVersion7(), 1) with { MachineId = machine },
            "order" => good with { Readings = MaaS.OffChain.Telemetry.ReadingBatchEncoding.JoinLines(lines.Reverse()) },
            "not-canonical" => good with { Readings = [.. good.Readings, (byte)'\n'] },
            "too-large" => Readings.Batch(machine, 1, 2_000),
            _ => throw new ArgumentOutOfRangeException(nameof(how)),
        };
        await World.Bus.PublishAsync(bad);
        await Eventually.TrueAsync(() => Task.FromResult(World.Bus.Refused.Any(r => r.MachineId == machine)), "TelemetryBatchRefused");
        World.Bus.Refused.Single(r => r.MachineId == machine).Reason.ShouldStartWith(reason);
        using var client = World.ClientFor(World.Customer);
        using (var response = await client.GetAsync($"/api/anchoring/machines/{machine}/batches/1"))
            response.StatusCode.ShouldBe(HttpStatusCode.NotFound);

        await World.Bus.PublishAsync(Readings.Batch(machine, 2));
        (await World.AnchoredAsync(machine, 1)).Single().BatchSeq.ShouldBe(2);
        await Task.Delay(1_000);
        World.Bus.AnchoredOf(machine).Count.ShouldBe(1);
    }

    [Fact]
    public async Task UnknownBatch_IsAProblem404()
    {
        var machine = await World.RegisterMachineAsync();
        using var client = World.ClientFor(World.Customer);
        await Eventually.TrueAsync(async () =>
        {
            using var response = await client.GetAsync($"/api/anchoring/machines/{machine}/batches/77");
            if (response.StatusCode != HttpStatusCode.NotFound) return false;
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!.Contains("Batch", StringComparison.Ordinal);
        }, "a 404 naming the batch (once the machine is known)");
    }
}
