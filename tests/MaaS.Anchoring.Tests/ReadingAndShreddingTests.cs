using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MaaS.Anchoring.Batches;
using MaaS.Anchoring.Encryption;
using MaaS.Anchoring.Tests.Support;
using MaaS.Chain.Proofs;
using MaaS.OffChain;
using MaaS.Testing;
using Npgsql;
using Shouldly;

namespace MaaS.Anchoring.Tests;

public sealed class ReadingFixture : WorldFixture
{
    protected override string Purpose => "anchoring reading";

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Anchoring:RoundMaxBatches"] = "2",
        ["Anchoring:RoundMaxAge"] = "00:00:00.500",
    };
}

[Trait("Category", "Integration")]
public sealed class ReadingAndShreddingTests(ReadingFixture fixture) : IClassFixture<ReadingFixture>
{
    private AnchoringWorld World => fixture.World;

    [Fact]
    public async Task GroupMembers_ReadTheDecryptedBatch_OthersAreRefused()
    {
        var machine = await World.RegisterMachineAsync();
        var sealedBatch = Readings.Batch(machine, 1);
        await World.Bus.PublishAsync(sealedBatch);
        await World.AnchoredAsync(machine, 1);
        var batch = await World.GetAsync<BatchView>(World.Customer, $"/api/anchoring/machines/{machine}/batches/1");
        batch.Recipients.Order().ShouldBe(new[] { World.Oem.Account, World.Customer.Account, World.Maintainer.Account }.Order());

        foreach (var member in new[] { World.Oem, World.Customer, World.Maintainer })
        {
            using var client = World.ClientFor(member);
            using var response = await client.GetAsync($"/api/anchoring/machines/{machine}/batches/1/readings");
            response.StatusCode.ShouldBe(HttpStatusCode.OK, member.Name);
            (await response.Content.ReadAsByteArrayAsync()).ShouldBe(sealedBatch.Readings, member.Name);
            response.Headers.GetValues("X-MaaS-Batch-Root").Single().ShouldBe(batch.Root);
        }
        foreach (var identity in new[] { World.OtherMaintainer.Identity, World.Outsider.Identity, TestMembers.Operator })
        {
            using var client = World.ClientFor(identity);
            using var response = await client.GetAsync($"/api/anchoring/machines/{machine}/batches/1/readings");
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, identity.Name);
            response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        }
    }

    [Fact]
    public async Task AGroupMemberWhoseKeyLivesElsewhere_GetsItsWrappedKey_AndDecryptsOnItsOwnSide()
    {
        var remote = await World.JoinAsync("remote maintainer", MaaS.ServiceDefaults.Identity.MemberRoles.Maintainer, held: false);
        await World.AccreditAsync(remote, "PRESS-9", AnchoringWorld.Region);
        var machine = await World.RegisterMachineAsync(model: "PRESS-9");
        await World.AwaitGroupAsync(machine, [World.Oem, World.Customer, remote]);
        var sealedBatch = Readings.Batch(machine, 1);
        await World.Bus.PublishAsync(sealedBatch);
        await World.AnchoredAsync(machine, 1);
        var batch = await World.GetAsync<BatchView>(World.Customer, $"/api/anchoring/machines/{machine}/batches/1");
        batch.Recipients.Order().ShouldBe(new[] { World.Oem.Account, World.Customer.Account, remote.Account }.Order());

        using var client = World.ClientFor(remote);
        using (var response = await client.GetAsync($"/api/anchoring/machines/{machine}/batches/1/readings"))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString().ShouldEndWith("key-not-held");
        }
        var mine = await World.GetAsync<JsonElement>(remote, $"/api/anchoring/machines/{machine}/batches/1/keys/mine");
        var cid = Cid.Parse(mine.GetProperty("cid").GetString()!);
        var blob = await new EmbeddedOffChainStore(World.Environment.OffChainDirectory).GetAsync(cid);
        var dataKey = KeyWrap.Unwrap(Convert.FromBase64String(mine.GetProperty("envelope").GetString()!), remote.Key, machine, 1);
        BatchCipher.Decrypt(blob, dataKey, machine, 1).ShouldBe(sealedBatch.Readings);

        using var maintainer = World.ClientFor(World.Maintainer);
        (await maintainer.GetAsync($"/api/anchoring/machines/{machine}/batches/1/keys/mine")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task AMemberWhoseJoiningWasNeverAnnounced_GetsKeysFoundFromItsJoiningTransactionOnChain()
    {
        var unannounced = await World.JoinAsync("unannounced maintainer", MaaS.ServiceDefaults.Identity.MemberRoles.Maintainer, held: true, announce: false);
        await World.AccreditAsync(unannounced, "MILL-3", AnchoringWorld.Region);
        var machine = await World.RegisterMachineAsync(model: "MILL-3");
        await World.AwaitGroupAsync(machine, [World.Oem, World.Customer, unannounced], keysKnown: false);
        var sealedBatch = Readings.Batch(machine, 1);
        await World.Bus.PublishAsync(sealedBatch);
        await World.AnchoredAsync(machine, 1);

        var batch = await World.GetAsync<BatchView>(World.Customer, $"/api/anchoring/machines/{machine}/batches/1");
        batch.Recipients.ShouldContain(unannounced.Account);
        using var client = World.ClientFor(unannounced);
        (await client.GetByteArrayAsync($"/api/anchoring/machines/{machine}/batches/1/readings")).ShouldBe(sealedBatch.Readings);
    }

    [Fact]
    public async Task TamperedBlob_IsRefusedByTheStoreOnRead()
    {
        var machine = await World.RegisterMachineAsync();
        await World.Bus.PublishAsync(Readings.Batch(machine, 1));
        await World.AnchoredAsync(machine, 1);
        var batch = await World.GetAsync<BatchView>(World.Customer, $"/api/anchoring/machines/{machine}/batches/1");

        var cid = Cid.Parse(batch.Cid!);
        var file = Path.Combine(World.Environment.OffChainDirectory, "blocks", cid.V1.Substring(7, 2), cid.V1);
        var bytes = await File.ReadAllBytesAsync(file);
        bytes[^40] ^= 0x01;
        await File.WriteAllBytesAsync(file, bytes);

        using var client = World.ClientFor(World.Customer);
        using var response = await client.GetAsync($"/api/anchoring/machines/{machine}/batches/1/readings");
        response.StatusCode.ShouldBe(HttpStatusCode.BadGateway);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString().ShouldEndWith("content-integrity");
        await Should.ThrowAsync<ContentIntegrityException>(() => new EmbeddedOffChainStore(World.Environment.OffChainDirectory).GetAsync(cid));
    }

    [Fact]
    public async Task CryptoShredding_MakesThePayloadUnreadableForGood_WhileTheAnchorAndTheProofStayValid()
    {
        var machine = await World.RegisterMachineAsync();
        await World.Bus.PublishAsync(Readings.Batch(machine, 1));
        await World.Bus.PublishAsync(Readings.Batch(machine, 2));
        await World.AnchoredAsync(machine, 2);
        var proof = await fixture.ProofAsync(machine, 3);
        (await fixture.VerifyAsync(proof)).Verified.ShouldBeTrue();
        var batch = await World.GetAsync<BatchView>(World.Customer, $"/api/anchoring/machines/{machine}/batches/1");
        (await CountAsync("wrappedkey", batch.Id)).ShouldBe(3);
        (await CountAsync("batchreadings", batch.Id)).ShouldBe(1);

        using var customer = World.ClientFor(World.Customer);
        (await customer.DeleteAsync($"/api/anchoring/machines/{machine}/batches/1/keys")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await customer.DeleteAsync($"/api/anchoring/machines/{machine}/batches/1/keys")).StatusCode.ShouldBe(HttpStatusCode.NoContent, "shredding is idempotent");

        // The payload: no wrapped key and no plaintext copy is left, for anyone.
        (await CountAsync("wrappedkey", batch.Id)).ShouldBe(0);
        (await CountAsync("batchreadings", batch.Id)).ShouldBe(0);
        foreach (var member in new[] { World.Oem, World.Customer, World.Maintainer })
        {
            using var client = World.ClientFor(member);
            using var response = await client.GetAsync($"/api/anchoring/machines/{machine}/batches/1/readings");
            response.StatusCode.ShouldBe(HttpStatusCode.Gone, member.Name);
        }
        using (var response = await customer.GetAsync($"/api/anchoring/proofs/{machine}/3"))
            response.StatusCode.ShouldBe(HttpStatusCode.Gone);
        // The ciphertext is still where the batch leaf says, intact, and useless without a key.
        (await new EmbeddedOffChainStore(World.Environment.OffChainDirectory).GetAsync(Cid.Parse(batch.Cid!))).Length.ShouldBeGreaterThan(29);

        // The anchor: the proof issued before still verifies against the chain; the other batch is untouched.
        var verification = await fixture.VerifyAsync(proof);
        verification.Verified.ShouldBeTrue(ProofVerifier.Describe(verification));
        (await customer.GetAsync($"/api/anchoring/machines/{machine}/batches/2/readings")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await World.GetAsync<BatchView>(World.Customer, $"/api/anchoring/machines/{machine}/batches/1")).Shredded.ShouldBeTrue();
        await Eventually.TrueAsync(() => Task.FromResult(World.Bus.Shredded.Any(s => s.MachineId == machine && s.BatchSeq == 1)), "TelemetryBatchShredded");
        World.Bus.Shredded.Count(s => s.MachineId == machine).ShouldBe(1);
    }

    [Fact]
    public async Task Shredding_IsForTheMachinesOemAndCustomerOnly()
    {
        var machine = await World.RegisterMachineAsync();
        await World.Bus.PublishAsync(Readings.Batch(machine, 1));
        await World.AnchoredAsync(machine, 1);
        foreach (var identity in new[] { World.Maintainer.Identity, World.Outsider.Identity, TestMembers.Operator })
        {
            using var client = World.ClientFor(identity);
            (await client.DeleteAsync($"/api/anchoring/machines/{machine}/batches/1/keys")).StatusCode.ShouldBe(HttpStatusCode.Forbidden, identity.Name);
        }
        using var oem = World.ClientFor(World.Oem);
        (await oem.GetAsync($"/api/anchoring/machines/{machine}/batches/1/readings")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await oem.DeleteAsync($"/api/anchoring/machines/{machine}/batches/1/keys")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await oem.GetAsync($"/api/anchoring/machines/{machine}/batches/1/readings")).StatusCode.ShouldBe(HttpStatusCode.Gone);
    }

    private async Task<long> CountAsync(string document, Guid batchId)
    {
        await using var connection = new NpgsqlConnection(World.Environment.Postgres);
        await connection.OpenAsync();
        var filter = document == "wrappedkey" ? "data->>'batchId' = $1" : "id = $1::uuid";
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM anchoring.mt_doc_{document} WHERE {filter}", connection);
        command.Parameters.AddWithValue(batchId.ToString());
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
