using Npgsql;

namespace MaaS.Gateway.Events.Retention;

/// <summary>What one pruning pass removed.</summary>
public sealed record Pruned(long Events, long Deliveries);

/// <summary>
/// Removes partner events older than <c>Gateway:Events:Retention</c> with their finished deliveries and delivery log, on
/// every instance every <c>PruneInterval</c> (deleting is idempotent, so instances need not agree who does it). A
/// delivery still pending is never removed, nor its event: what was accepted for a partner is delivered or dead-lettered
/// first, and a dead letter stays redeliverable for the retention period. A <c>Last-Event-ID</c> older than the
/// retention can no longer be replayed (the stream says so).
/// </summary>
public sealed class PruneEvents(EventsDatabase db, EventsOptions options, ILogger<PruneEvents> logger) : BackgroundService
{
    private const int Chunk = 5_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.PruneInterval);
        do
        {
            try
            {
                var pruned = await PruneAsync(db.Source, options.Retention, stoppingToken);
                if (pruned.Events + pruned.Deliveries > 0)
                    logger.LogInformation("Pruned {Events} events and {Deliveries} deliveries older than {Retention}", pruned.Events, pruned.Deliveries, options.Retention);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Pruning old events failed; trying again at the next interval");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One pass, in chunks (short transactions, so deliveries and recording are never held up for long).</summary>
    public static async Task<Pruned> PruneAsync(NpgsqlDataSource db, TimeSpan retention, CancellationToken ct)
    {
        long deliveries = 0, events = 0;
        while (true)
        {
            await using var command = db.CreateCommand("""
                DELETE FROM gateway.deliveries WHERE id IN (
                    SELECT d.id FROM gateway.deliveries d JOIN gateway.events e ON e.seq = d.event_seq
                    WHERE e.stored_at < now() - $1 AND d.status <> 'pending' LIMIT $2)
                """);
            command.Parameters.AddWithValue(retention);
            command.Parameters.AddWithValue(Chunk);
            var removed = await command.ExecuteNonQueryAsync(ct);
            deliveries += removed;
            if (removed < Chunk) break;
        }
        while (true)
        {
            await using var command = db.CreateCommand("""
                DELETE FROM gateway.events WHERE seq IN (
                    SELECT e.seq FROM gateway.events e
                    WHERE e.stored_at < now() - $1 AND NOT EXISTS (SELECT 1 FROM gateway.deliveries d WHERE d.event_seq = e.seq) LIMIT $2)
                """);
            command.Parameters.AddWithValue(retention);
            command.Parameters.AddWithValue(Chunk);
            var removed = await command.ExecuteNonQueryAsync(ct);
            events += removed;
            if (removed < Chunk) break;
        }
        return new Pruned(events, deliveries);
    }
}
