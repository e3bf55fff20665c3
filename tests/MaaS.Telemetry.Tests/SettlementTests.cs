using MaaS.Contracts.Anchoring;
using MaaS.Telemetry.Publishing;
using MaaS.Telemetry.Tests.Infrastructure;
using MaaS.Testing;
using Npgsql;
using Shouldly;

namespace MaaS.Telemetry.Tests;

public sealed class SettlementEnvironment : TelemetryEnvironment
{
    public const int MaxReadings = 5;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Telemetry:Sealing:MaxReadings"] = MaxReadings.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Telemetry:Sealing:RepublishUnsettledAfter"] = "00:00:01",
        ["Telemetry:Sealing:RepublishCheckInterval"] = "00:00:00.200",
    };
}

/// <summary>
/// A sealed batch stays Telemetry's responsibility until Anchoring answers for it: no Anchoring runs here, so batches
/// are published again and again (as when a message is lost between the services), until an answer settles them.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SettlementTests(SettlementEnvironment environment) : IClassFixture<SettlementEnvironment>
{
    [Fact]
    public async Task ABatchWithoutAnswer_IsPublishedAgainUnderItsId_UntilAnchoringAnchorsOrRefusesIt()
    {
        var anchored = await environment.RegisterMachineAsync();
        var refused = await environment.RegisterMachineAsync();
        var unanswered = await environment.RegisterMachineAsync();
        foreach (var device in new[] { anchored, refused, unanswered })
            await environment.PostAcceptedAsync(device.Body(device.Readings(1, SettlementEnvironment.MaxReadings)));

        foreach (var device in new[] { anchored, refused, unanswered })
        {
            await Eventually.TrueAsync(() => Task.FromResult(Publications(device).Count >= 2), $"batch 1 of {device.MachineId} to be published again");
            Publications(device).ShouldAllBe(p => p.MessageId == PublishOutbox.BatchMessageId(device.MachineId, 1) && p.Message.BatchSeq == 1);
        }

        await environment.PublishAsync(new TelemetryBatchAnchored(anchored.MachineId, 1, 1, 5, 5, new string('a', 64), "Qm", 7, 0, 1, [], new string('a', 64),
            "0x" + new string('b', 64), 42, DateTimeOffset.UtcNow));
        await environment.PublishAsync(new TelemetryBatchRefused(refused.MachineId, 1, "too-large: test", DateTimeOffset.UtcNow));
        var settlements = await Eventually.GetAsync(async () =>
        {
            var rows = await SettlementsAsync(anchored, refused);
            return rows.Count == 2 && rows.All(r => r.Settlement is not null) ? rows : null;
        }, "both answers to settle their batches");
        settlements.Single(s => s.Machine == anchored.MachineId).Settlement.ShouldBe("anchored in round 7");
        settlements.Single(s => s.Machine == refused.MachineId).Settlement.ShouldBe("refused: too-large: test");

        // The unanswered batch is the clock: once it has been published three more times, the sweeper has run since
        // the answers were stored, and the settled batches were not among what it handed back.
        var anchoredCount = Publications(anchored).Count;
        var refusedCount = Publications(refused).Count;
        var witness = Publications(unanswered).Count;
        await Eventually.TrueAsync(() => Task.FromResult(Publications(unanswered).Count >= witness + 3), "the unanswered batch to be published three more times");
        Publications(anchored).Count.ShouldBe(anchoredCount);
        Publications(refused).Count.ShouldBe(refusedCount);
    }

    private List<(Guid? MessageId, Contracts.Telemetry.TelemetryBatchSealed Message)> Publications(TestDevice device) =>
        [.. environment.Messages.Batches.Where(b => b.Message.MachineId == device.MachineId)];

    private async Task<List<(Guid Machine, string? Settlement)>> SettlementsAsync(params TestDevice[] devices)
    {
        await using var connection = new NpgsqlConnection(environment.Environment.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT machine_id, settlement FROM telemetry.batches WHERE machine_id = ANY($1) AND batch_seq = 1", connection)
        {
            Parameters = { new() { Value = devices.Select(d => d.MachineId).ToArray() } },
        };
        var rows = new List<(Guid, string?)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add((reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
        return rows;
    }
}
