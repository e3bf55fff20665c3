using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MaaS.Contracts.Machines;
using MaaS.Contracts.Telemetry;
using MaaS.Gateway.Events.Catalog;
using MaaS.Gateway.Events.Consuming;
using Microsoft.Extensions.DependencyInjection;
using Nethereum.Signer;
using Shouldly;

namespace MaaS.Gateway.Tests.Events;

/// <summary>A sealed batch reaches partners as its range, size, SHA-256 and a link to its readings, never the readings themselves.</summary>
[Collection(EventsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class SealedBatchEventTests(EventsFixture fixture)
{
    [Fact]
    public async Task BatchSealed_CarriesTheLinkAndHashOfItsReadings_NotTheReadings()
    {
        var recorder = fixture.Gateway.Services.GetRequiredService<RecordEvent>();
        string Account() => EthECKey.GenerateKey().GetPublicAddress().ToLowerInvariant();
        var machineId = Guid.CreateVersion7();
        var at = DateTimeOffset.UtcNow;
        await recorder.RecordAsync(EventCatalog.For(typeof(MachineRegistered)),
            new MachineRegistered(machineId, Account(), Account(), "PRESS-9", 4, Account(), 60, "Qm", "00", "0x1", 1, at), Guid.NewGuid().ToString(), CancellationToken.None);
        var readings = Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(11, 5).Select(seq => $"{{\"machine\":\"{machineId}\",\"seq\":{seq}}}")));
        var id = Guid.NewGuid().ToString();

        await recorder.RecordAsync(EventCatalog.For(typeof(TelemetryBatchSealed)),
            new TelemetryBatchSealed(machineId, 3, 11, 15, 5, 1_000, 5_000, readings, at), id, CancellationToken.None);

        var body = await fixture.ScalarAsync<byte[]>("SELECT body FROM gateway.events WHERE id = $1", id);
        using var cloudEvent = JsonDocument.Parse(body);
        cloudEvent.RootElement.GetProperty("type").GetString().ShouldBe("services.maas.telemetry.batch-sealed.v1");
        var data = cloudEvent.RootElement.GetProperty("data");
        data.GetProperty("machineId").GetGuid().ShouldBe(machineId);
        data.GetProperty("batchSeq").GetInt64().ShouldBe(3);
        (data.GetProperty("firstSeq").GetInt64(), data.GetProperty("lastSeq").GetInt64(), data.GetProperty("count").GetInt32()).ShouldBe((11L, 15L, 5));
        data.GetProperty("readings").GetString().ShouldBe($"/api/telemetry/machines/{machineId}/batches/3/readings");
        data.GetProperty("readingsBytes").GetInt32().ShouldBe(readings.Length);
        data.GetProperty("readingsSha256").GetString().ShouldBe(Convert.ToHexStringLower(SHA256.HashData(readings)));
        Encoding.UTF8.GetString(body).ShouldNotContain(Convert.ToBase64String(readings)[..40]);
    }
}
