using MaaS.Anchoring.Rounds.Listing;
using MaaS.Anchoring.Tests.Support;
using MaaS.Chain.Contracts;
using MaaS.Testing;
using Nethereum.RPC.Eth.DTOs;
using Shouldly;
using Xunit.Abstractions;

namespace MaaS.Anchoring.Tests;

[Trait("Category", "Integration")]
public sealed class RestartTests(ITestOutputHelper output) : IAsyncLifetime
{
    private AnchoringWorld world = null!;

    public async Task InitializeAsync() => world = await AnchoringWorld.CreateAsync("anchoring restart", new Dictionary<string, string?>
    {
        ["Anchoring:RoundMaxBatches"] = "5",
        ["Anchoring:RoundMaxAge"] = "00:00:00.400",
    });

    public async Task DisposeAsync() => await world.DisposeAsync();

    [Fact]
    public async Task RestartInTheMiddleOfAStream_AnchorsEveryBatchOnce_AndSendsNoRoundTwice()
    {
        var anchorer = world.Anchorer;
        var machines = new[] { await world.RegisterMachineAsync(), await world.RegisterMachineAsync(), await world.RegisterMachineAsync() };
        const int batches = 20;

        var stream = Task.Run(async () =>
        {
            for (var b = 1; b <= batches; b++)
            {
                foreach (var machine in machines) await world.Bus.PublishAsync(Readings.Batch(machine, b, 5));
                await Task.Delay(40);
            }
        });
        await Eventually.TrueAsync(() => Task.FromResult(world.Bus.Anchored.Count >= 10), "the first rounds to be anchored", TimeSpan.FromSeconds(60));
        var before = world.Bus.Anchored.Count;
        await world.RestartAsync();
        output.WriteLine($"restarted after {before} batches were anchored");
        await stream;
        foreach (var machine in machines) await world.AnchoredAsync(machine, batches, TimeSpan.FromSeconds(90));
        await Task.Delay(1_500);

        world.Anchorer.ShouldBe(anchorer, "the restarted service signs with the same anchorer");
        var announced = world.Bus.Anchored.Select(a => a.Message).ToList();
        announced.Count.ShouldBe(machines.Length * batches, "each batch announced exactly once");
        announced.Select(a => (a.MachineId, a.BatchSeq)).ShouldBeUnique();

        var rounds = await world.GetAsync<List<RoundSummary>>(world.Customer, "/api/anchoring/rounds?limit=500");
        var committed = rounds.Where(r => r.RoundId is not null).ToList();
        committed.Sum(r => r.BatchCount).ShouldBe(machines.Length * batches, "every batch is in exactly one committed round");
        committed.Select(r => r.Root).ShouldBeUnique();
        var anchor = new TelemetryAnchorContract(world.Anchor, world.Web3);
        (await anchor.RoundCountAsync()).ShouldBe((ulong)committed.Count, "no round was committed twice");
        ((long)(await world.Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(anchorer, BlockParameter.CreateLatest())).Value)
            .ShouldBe(committed.Count, "one transaction per round");
        output.WriteLine($"{announced.Count} batches in {committed.Count} rounds");
    }
}
