using MaaS.Anchoring.Rounds;
using MaaS.Anchoring.Tests.Support;
using MaaS.Chain.Proofs;
using MaaS.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nethereum.Hex.HexTypes;
using Shouldly;

namespace MaaS.Anchoring.Tests;

/// <summary>On a private anvil: the shared test node is never reorged.</summary>
[Trait("Category", "Integration")]
public sealed class ReorgTests : IAsyncLifetime
{
    private PrivateAnvil node = null!;
    private AnchoringWorld world = null!;

    public async Task InitializeAsync()
    {
        node = await PrivateAnvil.StartAsync();
        world = await AnchoringWorld.CreateAsync("anchoring reorg", new Dictionary<string, string?>
        {
            ["Chain:Confirmations"] = "3",
            ["Anchoring:RoundMaxBatches"] = "3",
            ["Anchoring:RoundMaxAge"] = "00:00:10",
        }, node);
    }

    public async Task DisposeAsync()
    {
        await world.DisposeAsync();
        await node.DisposeAsync();
    }

    [Fact]
    public async Task ARoundRetractedByAReorg_IsMinedAgain_AndItsBatchesAreAnchoredOnce()
    {
        var machine = await world.RegisterMachineAsync();
        for (var b = 1; b <= 3; b++) await world.Bus.PublishAsync(Readings.Batch(machine, b));
        var observed = await Eventually.GetAsync(() => RoundAsync(r => r.Status == RoundStatus.Observed), "the round to be mined", TimeSpan.FromSeconds(60));
        var first = observed.History.Single();

        // The round's block leaves the chain before it is final.
        await node.Web3().Client.SendRequestAsync<object>("anvil_reorg", null, 1, Array.Empty<object>());
        var again = await Eventually.GetAsync(() => RoundAsync(r =>
            r.Status == RoundStatus.Observed && r.History.Any(h => h.Status == MaaS.ServiceDefaults.ChainFacts.FactStatus.Retracted) &&
            r.History.Any(h => h.Status == MaaS.ServiceDefaults.ChainFacts.FactStatus.Observed)), "the round to be retracted and mined again", TimeSpan.FromSeconds(60));
        world.Bus.AnchoredOf(machine).ShouldBeEmpty("nothing is announced before finality");
        var second = again.History.Single(h => h.Status == MaaS.ServiceDefaults.ChainFacts.FactStatus.Observed);
        second.Key.ShouldNotBe(first.Key);
        second.TransactionHash.ShouldBe(first.TransactionHash, "the same transaction, re-mined");

        await node.Web3().Client.SendRequestAsync<object>("anvil_mine", null, new HexBigInteger(4).HexValue);
        var anchored = await world.AnchoredAsync(machine, 3);
        await Task.Delay(1_500);
        world.Bus.AnchoredOf(machine).Count.ShouldBe(3, "each batch announced once");
        anchored.ShouldAllBe(a => a.Block == second.Block && a.TransactionHash == second.TransactionHash);
        var proof = await Eventually.GetAsync(async () =>
        {
            using var client = world.ClientFor(TestMembers.Operator);
            using var response = await client.GetAsync($"/api/anchoring/proofs/{machine}/15");
            return response.IsSuccessStatusCode ? ReadingProof.FromJson(await response.Content.ReadAsStringAsync()) : null;
        }, "the proof");
        var verification = await ProofVerifier.VerifyAsync(proof, world.Web3, new ProofVerifierOptions { ExpectedAnchor = world.Anchor, MinConfirmations = 3 });
        verification.Verified.ShouldBeTrue(ProofVerifier.Describe(verification));
    }

    private async Task<RoundView?> RoundAsync(Func<RoundView, bool> condition)
    {
        var store = world.Host.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        var rounds = await session.Query<RoundView>().ToListAsync();
        return rounds.FirstOrDefault(condition);
    }
}
