using System.Security.Cryptography;
using System.Text;
using MaaS.Contracts.Telemetry;
using MaaS.Telemetry.Storage;
using MassTransit;
using Npgsql;

namespace MaaS.Telemetry.Publishing;

/// <summary>
/// Publishes sealed batches (<c>telemetry.batches</c>) and queued messages (<c>telemetry.outbox</c>). Every instance runs
/// one: rows are claimed with <c>FOR UPDATE SKIP LOCKED</c>, so two instances never publish the same row at once, and a
/// row is marked published in the claiming transaction only after the broker confirmed it. Delivery is therefore at
/// least once, with a stable message id (a crash between confirm and commit republishes the same id).
/// </summary>
internal sealed class PublishOutbox(
    TelemetryDatabase database, IBus bus, OutboxSignal signal, TelemetryOptions options, TimeProvider clock, ILogger<PublishOutbox> logger) : BackgroundService
{
    private const int BatchPage = 16;
    private const int MessagePage = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var published = 0;
            try
            {
                published = await PublishBatchesAsync(stoppingToken) + await PublishMessagesAsync(stoppingToken);
            }
            catch (Exception ex)
            {
                // Stopping mid-page: the claim rolls back, and the page is published again (same message ids) later.
                if (stoppingToken.IsCancellationRequested) return;
                logger.LogWarning(ex, "Publishing the telemetry outbox failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
            }
            if (published == 0) await signal.WaitAsync(options.PublishPollInterval, stoppingToken);
        }
    }

    /// <summary>The message id of a batch: the same on every attempt and every instance, so a consumer can drop a redelivery.</summary>
    public static Guid BatchMessageId(Guid machineId, long batchSeq)
    {
        var hash = SHA256.HashData(Encoding.ASCII.GetBytes($"maas-telemetry-batch:{machineId:D}:{batchSeq}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    private async Task<int> PublishBatchesAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var batches = new List<SealedBatch>();
        await using (var claim = new NpgsqlCommand($"""
            SELECT {SealedBatch.Columns} FROM telemetry.batches
            WHERE published_at IS NULL ORDER BY sealed_at LIMIT $1 FOR UPDATE SKIP LOCKED
            """, connection, transaction) { Parameters = { new() { Value = BatchPage } } })
        await using (var rows = await claim.ExecuteReaderAsync(ct))
        {
            while (await rows.ReadAsync(ct))
                batches.Add(SealedBatch.Read(rows));
        }
        if (batches.Count == 0) return 0;

        var payloads = await BatchPayloads.LoadAsync(connection, transaction, batches, ct);
        await Task.WhenAll(batches.Select((b, i) => bus.Publish(
            new TelemetryBatchSealed(b.MachineId, b.BatchSeq, b.FirstSeq, b.LastSeq, b.Count, b.FirstTs, b.LastTs, payloads[i], b.SealedAt),
            context => context.MessageId = BatchMessageId(b.MachineId, b.BatchSeq), ct)));

        await using (var mark = new NpgsqlCommand("""
            UPDATE telemetry.batches b SET published_at = $3, publications = b.publications + 1 FROM unnest($1::uuid[], $2::bigint[]) AS p(machine_id, batch_seq)
            WHERE b.machine_id = p.machine_id AND b.batch_seq = p.batch_seq
            """, connection, transaction))
        {
            mark.Parameters.Add(new NpgsqlParameter { Value = batches.Select(b => b.MachineId).ToArray() });
            mark.Parameters.Add(new NpgsqlParameter { Value = batches.Select(b => b.BatchSeq).ToArray() });
            mark.Parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow() });
            await mark.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return batches.Count;
    }

    private async Task<int> PublishMessagesAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var messages = new List<(Guid Id, object Body)>();
        await using (var claim = new NpgsqlCommand("""
            SELECT id, type, payload::text FROM telemetry.outbox WHERE published_at IS NULL ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED
            """, connection, transaction) { Parameters = { new() { Value = MessagePage } } })
        await using (var rows = await claim.ExecuteReaderAsync(ct))
        {
            while (await rows.ReadAsync(ct)) messages.Add((rows.GetGuid(0), Outbox.Deserialize(rows.GetString(1), rows.GetString(2))));
        }
        if (messages.Count == 0) return 0;
        foreach (var (id, body) in messages)
            await bus.Publish(body, body.GetType(), context => context.MessageId = id, ct);
        await using (var mark = new NpgsqlCommand("UPDATE telemetry.outbox SET published_at = $2 WHERE id = ANY($1)", connection, transaction))
        {
            mark.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.Id).ToArray() });
            mark.Parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow() });
            await mark.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return messages.Count;
    }
}
