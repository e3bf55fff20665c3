using MaaS.Telemetry.Publishing;
using MaaS.Telemetry.Storage;
using Npgsql;

namespace MaaS.Telemetry.Sealing;

/// <summary>
/// Seals every open batch whose first reading arrived more than <see cref="SealingOptions.MaxAge"/> ago (batches that
/// fill up are sealed by the ingest transaction itself). Every instance runs it; one statement claims the machines'
/// rows with <c>FOR UPDATE SKIP LOCKED</c>, closes their open batch and inserts it into <c>telemetry.batches</c>, so a
/// batch is sealed once whichever instance gets there, and a machine being written to is simply left for the next round.
/// </summary>
internal sealed class SealAgedBatches(TelemetryDatabase database, OutboxSignal signal, TelemetryOptions options, TimeProvider clock, ILogger<SealAgedBatches> logger)
    : BackgroundService
{
    private const string Seal = """
        WITH due AS (
            SELECT machine_id, open_batch, open_count, open_bytes, open_min_seq, open_max_seq, open_min_ts, open_max_ts
            FROM telemetry.machines WHERE open_count > 0 AND open_since <= $1
            ORDER BY open_since LIMIT 1000 FOR UPDATE SKIP LOCKED),
        closed AS (
            UPDATE telemetry.machines m SET open_batch = m.open_batch + 1, open_count = 0, open_bytes = 0,
                open_min_seq = NULL, open_max_seq = NULL, open_min_ts = NULL, open_max_ts = NULL, open_since = NULL
            FROM due WHERE m.machine_id = due.machine_id
            RETURNING due.*)
        INSERT INTO telemetry.batches (machine_id, batch_seq, first_seq, last_seq, count, bytes, first_ts, last_ts, sealed_at)
        SELECT machine_id, open_batch, open_min_seq, open_max_seq, open_count, open_bytes, open_min_ts, open_max_ts, $2 FROM closed
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Sealing.CheckInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var sealedCount = await SealDueAsync(stoppingToken);
                if (sealedCount > 0) signal.Wake();
            }
            catch (Exception ex)
            {
                if (stoppingToken.IsCancellationRequested) return; // stopping: the work is left to the next start or another instance
                logger.LogWarning(ex, "Sealing aged telemetry batches failed; retrying");
            }
        }
    }

    public async Task<int> SealDueAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var connection = await database.OpenAsync(ct);
        await using var command = new NpgsqlCommand(Seal, connection) { Parameters = { new() { Value = now - options.Sealing.MaxAge }, new() { Value = now } } };
        return await command.ExecuteNonQueryAsync(ct);
    }
}
