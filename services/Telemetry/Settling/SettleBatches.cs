using MaaS.Contracts.Anchoring;
using MaaS.Telemetry.Publishing;
using MaaS.Telemetry.Storage;
using MassTransit;
using Npgsql;

namespace MaaS.Telemetry.Settling;

// Delivery of a sealed batch is acknowledged end to end: the broker's confirm only says RabbitMQ has it, not that
// Anchoring stored it (a consumer that faults while its host stops moves the message to an error queue). So Telemetry
// keeps every batch unsettled until Anchoring answers, and publishes it again if no answer comes.

/// <summary>Marks a batch settled when Anchoring announces it anchored (idempotent: the first answer wins).</summary>
public sealed class TelemetryBatchAnchoredConsumer(TelemetryDatabase database) : IConsumer<TelemetryBatchAnchored>
{
    public Task Consume(ConsumeContext<TelemetryBatchAnchored> context) =>
        BatchSettlement.SettleAsync(database, context.Message.MachineId, context.Message.BatchSeq, $"anchored in round {context.Message.RoundId}", context.CancellationToken);
}

/// <summary>A refused batch is settled too: publishing it again would be refused again.</summary>
public sealed class TelemetryBatchRefusedConsumer(TelemetryDatabase database) : IConsumer<TelemetryBatchRefused>
{
    public Task Consume(ConsumeContext<TelemetryBatchRefused> context) =>
        BatchSettlement.SettleAsync(database, context.Message.MachineId, context.Message.BatchSeq, $"refused: {context.Message.Reason}", context.CancellationToken);
}

internal static class BatchSettlement
{
    public static async Task SettleAsync(TelemetryDatabase database, Guid machineId, long batchSeq, string settlement, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = new NpgsqlCommand("""
            UPDATE telemetry.batches SET settled_at = now(), settlement = $3 WHERE machine_id = $1 AND batch_seq = $2 AND settled_at IS NULL
            """, connection) { Parameters = { new() { Value = machineId }, new() { Value = batchSeq }, new() { Value = settlement } } };
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>
/// Every <see cref="SealingOptions.RepublishCheckInterval"/>, hands the batches published more than
/// <see cref="SealingOptions.RepublishUnsettledAfter"/> ago and still unsettled back to the outbox publisher, which
/// publishes them again with their stable message id. Every instance runs it; the update is idempotent.
/// </summary>
internal sealed class RepublishUnsettledBatches(TelemetryDatabase database, OutboxSignal signal, TelemetryOptions options, TimeProvider clock,
    ILogger<RepublishUnsettledBatches> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Sealing.RepublishCheckInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var returned = await ReturnToOutboxAsync(stoppingToken);
                if (returned == 0) continue;
                logger.LogWarning("{Count} sealed batches were not anchored or refused within {After}; publishing them again", returned, options.Sealing.RepublishUnsettledAfter);
                signal.Wake();
            }
            catch (Exception ex)
            {
                if (stoppingToken.IsCancellationRequested) return;
                logger.LogWarning(ex, "Looking for unsettled telemetry batches failed; retrying");
            }
        }
    }

    public async Task<int> ReturnToOutboxAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = new NpgsqlCommand("""
            UPDATE telemetry.batches SET published_at = NULL WHERE settled_at IS NULL AND published_at IS NOT NULL AND published_at < $1
            """, connection) { Parameters = { new() { Value = clock.GetUtcNow() - options.Sealing.RepublishUnsettledAfter } } };
        return await command.ExecuteNonQueryAsync(ct);
    }
}
