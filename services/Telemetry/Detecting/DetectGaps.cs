using MaaS.Contracts.Telemetry;
using MaaS.Telemetry.Publishing;
using MaaS.Telemetry.Storage;
using Npgsql;

namespace MaaS.Telemetry.Detecting;

/// <summary>
/// A machine that executes and has sent no new reading for more than twice its telemetry interval (counted from its
/// last new reading, or from when telemetry learnt it started) gets one <c>TelemetryGapDetected</c>; the next new reading
/// ends the gap (<c>TelemetryGapEnded</c>, from the ingest transaction). Every instance runs this: the claim is one
/// <c>UPDATE … WHERE NOT gap_open</c> over rows locked with <c>SKIP LOCKED</c>, committed with the outbox row, so a gap is
/// opened — and published — once.
/// </summary>
internal sealed class DetectGaps(TelemetryDatabase database, OutboxSignal signal, TelemetryOptions options, TimeProvider clock, ILogger<DetectGaps> logger)
    : BackgroundService
{
    private const string Open = """
        WITH due AS (
            SELECT machine_id, last_ts, interval_ms FROM telemetry.machines
            WHERE executing AND NOT gap_open AND interval_ms IS NOT NULL
              AND greatest(last_received_at, executing_since) + interval_ms * 2 * interval '1 millisecond' < $1
            LIMIT 1000 FOR UPDATE SKIP LOCKED)
        UPDATE telemetry.machines m SET gap_open = true, gap_since = $1
        FROM due WHERE m.machine_id = due.machine_id
        RETURNING due.machine_id, due.last_ts, due.interval_ms
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.GapCheckInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                if (await DetectAsync(stoppingToken) > 0) signal.Wake();
            }
            catch (Exception ex)
            {
                if (stoppingToken.IsCancellationRequested) return; // stopping: the work is left to the next start or another instance
                logger.LogWarning(ex, "Detecting telemetry gaps failed; retrying");
            }
        }
    }

    private async Task<int> DetectAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var gaps = new List<Outbox.Message>();
        await using (var open = new NpgsqlCommand(Open, connection, transaction) { Parameters = { new() { Value = now } } })
        await using (var rows = await open.ExecuteReaderAsync(ct))
        {
            while (await rows.ReadAsync(ct))
            {
                var machineId = rows.GetGuid(0);
                gaps.Add(Outbox.Create(machineId, new TelemetryGapDetected(machineId, rows.IsDBNull(1) ? 0 : rows.GetInt64(1), rows.GetInt64(2), now)));
            }
        }
        if (gaps.Count == 0) return 0;
        await using (var insert = new NpgsqlBatch(connection, transaction) { BatchCommands = { Outbox.Insert(gaps, now)! } })
            await insert.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
        logger.LogInformation("Telemetry gap opened for {Machines} machine(s)", gaps.Count);
        return gaps.Count;
    }
}
