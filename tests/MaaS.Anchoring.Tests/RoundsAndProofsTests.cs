using System.Net.Http.Json;
using MaaS.Anchoring.Rounds;
using MaaS.Anchoring.Rounds.Listing;
using MaaS.Anchoring.Tests.Support;
using MaaS.Chain.Contracts;
using MaaS.Chain.Proofs;
using MaaS.OffChain;
using MaaS.OffChain.Telemetry;
using MaaS.Testing;
using Nethereum.RPC.Eth.DTOs;
using Shouldly;

namespace MaaS.Anchoring.Tests;

public sealed class RoundsFixture : WorldFixture
{
    protected override string Purpose => "anchoring rounds";

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Anchoring:RoundMaxBatches"] = "4",
        ["Anchoring:RoundMaxAge"] = "00:00:03",
    };

    private Task<(Guid Machine, ReadingProof Proof)>? sample;

    /// <summary>A proof from a round of three batches (so both paths have several hashes), made once for the tampering cases.</summary>
    public Task<(Guid Machine, ReadingProof Proof)> SampleAsync() => sample ??= MakeSampleAsync();

    private async Task<(Guid, ReadingProof)> MakeSampleAsync()
    {
        var machine = await World.RegisterMachineAsync();
        for (var b = 1; b <= 3; b++) await World.Bus.PublishAsync(Readings.Batch(machine, b, 7));
        await World.AnchoredAsync(machine, 3);
        return (machine, await ProofAsync(machine, 12));
    }
}

[Trait("Category", "Integration")]
public sealed class RoundsAndProofsTests(RoundsFixture fixture) : IClassFixture<RoundsFixture>
{
    private AnchoringWorld World => fixture.World;

    [Fact]
    public async Task Batches_AreCommittedInRounds_ClosedByCountOrByAge_EachRoundOneTransaction()
    {
        var machine = await World.RegisterMachineAsync();
        for (var b = 1; b <= 8; b++) await World.Bus.PublishAsync(Readings.Batch(machine, b));
        var full = await World.AnchoredAsync(machine, 8);
        await World.Bus.PublishAsync(Readings.Batch(machine, 9));
        var all = await World.AnchoredAsync(machine, 9);

        var rounds = await World.GetAsync<List<RoundSummary>>(World.Customer, "/api/anchoring/rounds?limit=500");
        RoundSummary RoundOf(long batch) => rounds.Single(r => r.RoundId == all.Single(a => a.BatchSeq == batch).RoundId);
        var byCount = full.Select(a => a.RoundId).Distinct().Select(id => rounds.Single(r => r.RoundId == id)).ToList();
        byCount.Count.ShouldBe(2);
        byCount.ShouldAllBe(r => r.BatchCount == 4 && r.ClosedBy == "count" && r.Status == RoundStatus.Final);
        var byAge = RoundOf(9);
        byAge.BatchCount.ShouldBe(1);
        byAge.ClosedBy.ShouldBe("age");

        // On chain: each round is one commitRound by the anchorer, holding the announced root and batch count.
        var anchor = new TelemetryAnchorContract(World.Anchor, World.Web3);
        foreach (var round in byCount.Append(byAge))
        {
            var onChain = (await anchor.RoundAsync((ulong)round.RoundId!.Value)).ShouldNotBeNull();
            Convert.ToHexStringLower(onChain.Root).ShouldBe(round.Root);
            onChain.BatchCount.ShouldBe((uint)round.BatchCount);
            onChain.Anchorer.ShouldBe(World.Anchorer);
            var receipt = await World.Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(round.TransactionHash);
            receipt.From.ShouldBe(World.Anchorer, StringCompareShould.IgnoreCase);
        }
        rounds.Select(r => r.TransactionHash).Where(h => h is not null).ShouldBeUnique();
        var committed = rounds.Count(r => r.RoundId is not null);
        (await anchor.RoundCountAsync()).ShouldBe((ulong)committed);
        var sent = (await World.Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(World.Anchorer, BlockParameter.CreateLatest())).Value;
        ((long)sent).ShouldBe(committed, "the anchorer sends one transaction per round and nothing else");
    }

    [Fact]
    public async Task EveryBatch_IsAnnouncedOnceAtFinality_AndEveryReadingHasAProofThatVerifiesOnChain()
    {
        var machine = await World.RegisterMachineAsync();
        for (var b = 1; b <= 6; b++) await World.Bus.PublishAsync(Readings.Batch(machine, b));
        await World.AnchoredAsync(machine, 6);
        await Task.Delay(1_000);

        var announced = World.Bus.Anchored.Where(a => a.Message.MachineId == machine).ToList();
        announced.Count.ShouldBe(6, "one TelemetryBatchAnchored per batch");
        announced.Select(a => a.Message.BatchSeq).Order().ShouldBe([1, 2, 3, 4, 5, 6]);
        announced.Select(a => a.MessageId).ShouldBeUnique();
        var anchor = new TelemetryAnchorContract(World.Anchor, World.Web3);
        foreach (var (_, a) in announced)
        {
            var sealedBatch = Readings.Batch(machine, a.BatchSeq);
            a.BatchRoot.ShouldBe(MerkleTree.FromLeafData(ReadingBatchEncoding.SplitLines(sealedBatch.Readings)).RootHex);
            var leaf = new BatchLeaf(machine, a.BatchSeq, a.Count, a.BatchRoot, a.Cid).Canonical();
            var path = a.RoundPath.Select(Convert.FromHexString).ToList();
            Merkle.VerifyInclusion(a.LeafIndex, a.RoundSize, Merkle.HashLeaf(leaf), path, Convert.FromHexString(a.RoundRoot)).ShouldBeTrue();
            Convert.ToHexStringLower((await anchor.RoundAsync((ulong)a.RoundId))!.Root).ShouldBe(a.RoundRoot);
        }

        for (var seq = 1; seq <= 60; seq++)
        {
            var proof = await fixture.ProofAsync(machine, seq);
            proof.Reading.ShouldBe(System.Text.Encoding.UTF8.GetString(Readings.At(machine, seq).Canonical()));
            var verification = await fixture.VerifyAsync(proof);
            verification.Verified.ShouldBeTrue(ProofVerifier.Describe(verification));
            verification.Confirmations.ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(0);
        }
    }

    /// <summary>
    /// Readings that came late sit in a later batch whose seq range overlaps an earlier batch's (Telemetry seals them so):
    /// batch 2 holds 1–4 and 15–20, batch 1 holds 5–14. Batch 2 is stored first, so a lookup by range alone finds it for
    /// seq 5–14 too. Every reading's proof must come from the batch that holds it.
    /// </summary>
    [Fact]
    public async Task LateReadings_InABatchWhoseRangeOverlapsAnother_EachHaveTheirProof()
    {
        var machine = await World.RegisterMachineAsync();
        await World.Bus.PublishAsync(Readings.Batch(machine, 2, [1L, 2, 3, 4, .. Enumerable.Range(15, 6).Select(s => (long)s)]));
        await World.Bus.PublishAsync(Readings.Batch(machine, 1, Enumerable.Range(5, 10).Select(s => (long)s)));
        await World.AnchoredAsync(machine, 2);

        for (var seq = 1; seq <= 20; seq++)
        {
            var proof = await fixture.ProofAsync(machine, seq);
            proof.Reading.ShouldBe(System.Text.Encoding.UTF8.GetString(Readings.At(machine, seq).Canonical()));
            (await fixture.VerifyAsync(proof)).Verified.ShouldBeTrue($"reading {seq}");
        }
    }

    [Fact]
    public async Task GroupMembers_GetProofs_OthersDoNot()
    {
        var (machine, _) = await fixture.SampleAsync();
        foreach (var member in new[] { World.Oem, World.Customer, World.Maintainer })
        {
            using var client = World.ClientFor(member);
            (await client.GetAsync($"/api/anchoring/proofs/{machine}/3")).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK, member.Name);
        }
        foreach (var member in new[] { World.OtherMaintainer, World.Outsider })
        {
            using var client = World.ClientFor(member);
            (await client.GetAsync($"/api/anchoring/proofs/{machine}/3")).StatusCode.ShouldBe(System.Net.HttpStatusCode.Forbidden, member.Name);
        }
        using var anyone = World.ClientFor(World.Customer);
        (await anyone.GetAsync($"/api/anchoring/proofs/{machine}/999")).StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
    }

    public static TheoryData<string> Tamperings => ["reading", "reading-index", "batch-path", "batch-root", "batch-leaf", "leaf-index", "round-path", "round-root",
        "round-id", "transaction", "block", "chain", "anchor"];

    [Theory]
    [MemberData(nameof(Tamperings))]
    public async Task TamperedProof_FailsVerification(string what)
    {
        var (_, proof) = await fixture.SampleAsync();
        (await fixture.VerifyAsync(proof)).Verified.ShouldBeTrue();

        var other = await OtherRoundAsync();
        var tampered = what switch
        {
            "reading" => proof with { Reading = proof.Reading.Replace("\"produced\":36", "\"produced\":37", StringComparison.Ordinal) },
            "reading-index" => proof with { ReadingIndex = proof.ReadingIndex + 1 },
            "batch-path" => proof with { BatchPath = [Flip(proof.BatchPath[0]), .. proof.BatchPath.Skip(1)] },
            "batch-root" => proof with { BatchRoot = Flip(proof.BatchRoot) },
            "batch-leaf" => proof with { BatchLeaf = proof.BatchLeaf.Replace("\"count\":7", "\"count\":8", StringComparison.Ordinal) },
            "leaf-index" => proof with { LeafIndex = (proof.LeafIndex + 1) % proof.RoundSize },
            "round-path" => proof with { RoundPath = [Flip(proof.RoundPath[0]), .. proof.RoundPath.Skip(1)] },
            "round-root" => proof with { RoundRoot = Flip(proof.RoundRoot) },
            "round-id" => proof with { RoundId = other.RoundId!.Value },
            "transaction" => proof with { TransactionHash = other.TransactionHash! },
            "block" => proof with { Block = proof.Block - 1 },
            "chain" => proof with { ChainId = 1 },
            "anchor" => proof with { Anchor = World.Deployment["Consortium"].Address },
            _ => throw new ArgumentOutOfRangeException(nameof(what)),
        };
        tampered.ShouldNotBe(proof, "the tampering changed nothing");
        var verification = await fixture.VerifyAsync(tampered);
        verification.Verified.ShouldBeFalse(ProofVerifier.Describe(verification));
    }

    /// <summary>Another committed round than the sample's (for a round id and a transaction that exist but are not the proof's).</summary>
    private async Task<RoundSummary> OtherRoundAsync()
    {
        var (_, proof) = await fixture.SampleAsync();
        var rounds = await World.GetAsync<List<RoundSummary>>(World.Customer, "/api/anchoring/rounds?limit=500");
        if (rounds.FirstOrDefault(r => r.RoundId is not null && r.RoundId != proof.RoundId) is { } other) return other;
        var machine = await World.RegisterMachineAsync();
        await World.Bus.PublishAsync(Readings.Batch(machine, 1));
        var anchored = (await World.AnchoredAsync(machine, 1)).Single();
        return (await World.GetAsync<List<RoundSummary>>(World.Customer, "/api/anchoring/rounds?limit=500")).Single(r => r.RoundId == anchored.RoundId);
    }

    private static string Flip(string hex) => (hex[0] == '0' ? '1' : '0') + hex[1..];

    [Fact]
    public async Task Proof_OfAReadingNotInAMinedRoundYet_IsAConflict()
    {
        var machine = await World.RegisterMachineAsync();
        await World.Bus.PublishAsync(Readings.Batch(machine, 1));
        using var client = World.ClientFor(World.Customer);
        await Eventually.TrueAsync(async () => (await client.GetAsync($"/api/anchoring/machines/{machine}/batches/1")).IsSuccessStatusCode, "the batch to be stored");

        // A lone batch waits RoundMaxAge (3 s) for its round.
        using var response = await client.GetAsync($"/api/anchoring/proofs/{machine}/1");
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Conflict);
        (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("type").GetString().ShouldEndWith("not-anchored-yet");
        await World.AnchoredAsync(machine, 1);
        (await fixture.VerifyAsync(await fixture.ProofAsync(machine, 1))).Verified.ShouldBeTrue();
    }

    [Fact]
    public async Task Progress_CountsAnchoredReadings_ForTheOperatorOnly()
    {
        await fixture.SampleAsync();
        var account = Nethereum.Signer.EthECKey.GenerateKey().GetPublicAddress().ToLowerInvariant();
        var @operator = new MaaS.ServiceDefaults.Identity.MemberIdentity(MaaS.ServiceDefaults.Identity.MemberIds.For(account), "operator",
            MaaS.ServiceDefaults.Identity.MemberRoles.Operator, account, MaaS.ServiceDefaults.Identity.KeyScope.Read);
        using var client = World.ClientFor(@operator);
        var progress = await client.GetFromJsonAsync<MaaS.Anchoring.Progress.AnchoringProgress>("/api/anchoring/progress");
        progress.ShouldNotBeNull();
        progress.BatchesAnchored.ShouldBeGreaterThanOrEqualTo(3);
        progress.ReadingsAnchored.ShouldBeGreaterThanOrEqualTo(21, "the sample's three batches of seven readings");
        progress.BatchesRefused.ShouldBe(0);

        using var customer = World.ClientFor(World.Customer);
        (await customer.GetAsync("/api/anchoring/progress")).StatusCode.ShouldBe(System.Net.HttpStatusCode.Forbidden);
    }
}
