using System.Diagnostics;
using System.Globalization;
using MaaS.Anchoring.Tests.Support;
using Shouldly;
using Xunit.Abstractions;

namespace MaaS.Anchoring.Tests;

/// <summary>Prints how fast sealed batches become anchored on this machine (no timing is asserted).</summary>
[Trait("Category", "Integration")]
public sealed class ThroughputTests(ITestOutputHelper output) : IAsyncLifetime
{
    private AnchoringWorld world = null!;

    public async Task InitializeAsync() => world = await AnchoringWorld.CreateAsync("anchoring throughput");

    public async Task DisposeAsync() => await world.DisposeAsync();

    [Fact]
    public async Task AStreamOfBatches_IsAnchoredCompletely_AndTheRatesArePrinted()
    {
        const int machines = 20, batchesPerMachine = 15, readingsPerBatch = 200;
        var ids = new List<Guid>();
        for (var m = 0; m < machines; m++) ids.Add(await world.RegisterMachineAsync());
        var messages = ids.SelectMany(id => Enumerable.Range(1, batchesPerMachine).Select(b => Readings.Batch(id, b, readingsPerBatch))).ToList();
        await Task.Delay(1_000);

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(messages.Select(m => world.Bus.PublishAsync(m)));
        var published = clock.Elapsed;
        foreach (var id in ids) await world.AnchoredAsync(id, batchesPerMachine, TimeSpan.FromMinutes(5));
        var elapsed = clock.Elapsed;

        var batches = machines * batchesPerMachine;
        world.Bus.Anchored.Count.ShouldBe(batches);
        var rounds = world.Bus.Anchored.Select(a => a.Message.RoundId).Distinct().Count();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{batches} batches ({batches * readingsPerBatch} readings, {messages.Sum(m => m.Readings.Length) / 1024} KiB) anchored in {rounds} rounds in {elapsed.TotalSeconds:F1} s " +
            $"(published in {published.TotalSeconds:F1} s): {batches / elapsed.TotalSeconds:F0} batches/s, {batches * readingsPerBatch / elapsed.TotalSeconds:F0} readings/s, " +
            $"including the last round's {2} s age window and finality"));
    }
}
