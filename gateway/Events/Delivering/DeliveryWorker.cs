using System.Diagnostics;
using System.Net.Http.Headers;
using MaaS.Gateway.Events.Consuming;
using MaaS.Gateway.Events.PartnerQueues;
using MaaS.Gateway.Events.Subscribing;
using Npgsql;

namespace MaaS.Gateway.Events.Delivering;

/// <summary>
/// Sends due deliveries, on every gateway instance. The deliveries table is the outbox: a worker claims a batch with
/// <c>FOR UPDATE SKIP LOCKED</c> and leases it (<c>leased_until</c>), so instances never send the same delivery at the
/// same time, and a delivery whose instance died is taken again once its lease ends — nothing is lost on a restart.
/// Each attempt is logged. A failure (non-2xx, timeout, refused connection; for AMQP a refused or unconfirmed publish)
/// waits <c>BaseDelay · 2^(n-1)</c> (at most <c>MaxDelay</c>) before attempt n+1; after <c>MaxAttempts</c> the delivery
/// is dead-lettered until its owner asks for a redelivery.
/// </summary>
public sealed class DeliveryWorker(
    EventsDatabase db, EventsOptions options, DeliverySignal signal, IHttpClientFactory clients, PartnerQueuePublisher queues, WebhookSecrets secrets, ILogger<DeliveryWorker> logger)
    : BackgroundService
{
    public const string ClientName = "webhooks";

    private sealed record Due(Guid Id, Guid SubscriptionId, int CycleAttempts, int Attempts, string Kind, string? Url, string? Secret, string? Queue, string EventId, string EventType,
        DateTimeOffset Time, byte[] Body);

    private sealed record Outcome(bool Delivered, int? StatusCode, string? Error, int DurationMs);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            int claimed;
            try
            {
                claimed = await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Never let the worker die (a dead background service stops the host): leases make a retry safe.
                logger.LogWarning(ex, "Claiming or recording deliveries failed; trying again");
                claimed = 0;
            }
            if (claimed < options.BatchSize) await signal.WaitAsync(options.PollInterval, stoppingToken);
        }
    }

    /// <summary>Claims and sends one batch; the number claimed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var due = await ClaimAsync(ct);
        await Task.WhenAll(due.Select(async d =>
        {
            var outcome = await SendAsync(d, ct);
            await RecordAsync(d, outcome, ct);
        }));
        return due.Count;
    }

    private async Task<List<Due>> ClaimAsync(CancellationToken ct)
    {
        // The lease outlives the send timeout, so a slow receiver is never posted to twice at once.
        await using var command = db.Source.CreateCommand("""
            WITH claimed AS (
                UPDATE gateway.deliveries d SET leased_until = now() + $2
                FROM (SELECT id FROM gateway.deliveries
                      WHERE status = 'pending' AND next_attempt_at <= now() AND (leased_until IS NULL OR leased_until < now())
                      ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) c
                WHERE d.id = c.id
                RETURNING d.id, d.cycle_attempts, d.attempts, d.subscription_id, d.event_seq)
            SELECT c.id, c.subscription_id, c.cycle_attempts, c.attempts, s.kind, s.url, s.secret, s.queue, e.id, e.type, e.time, e.body
            FROM claimed c JOIN gateway.subscriptions s ON s.id = c.subscription_id JOIN gateway.events e ON e.seq = c.event_seq
            """);
        command.Parameters.AddWithValue(options.BatchSize);
        command.Parameters.AddWithValue(options.Timeout * 2 + TimeSpan.FromSeconds(30));
        await using var rows = await command.ExecuteReaderAsync(ct);
        var due = new List<Due>();
        while (await rows.ReadAsync(ct))
            due.Add(new Due(rows.GetGuid(0), rows.GetGuid(1), rows.GetInt32(2), rows.GetInt32(3), rows.GetString(4), rows.IsDBNull(5) ? null : rows.GetString(5),
                rows.IsDBNull(6) ? null : rows.GetString(6), rows.IsDBNull(7) ? null : rows.GetString(7), rows.GetString(8), rows.GetString(9),
                rows.GetFieldValue<DateTimeOffset>(10), (byte[])rows[11]));
        return due;
    }

    private async Task<Outcome> SendAsync(Due d, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            if (d.Kind == SubscriptionKinds.Amqp)
            {
                await queues.PublishAsync(d.Queue!, d.EventId, d.EventType, d.Time, d.Body, ct);
                return new Outcome(true, null, null, (int)watch.ElapsedMilliseconds);
            }
            using var request = new HttpRequestMessage(HttpMethod.Post, d.Url) { Content = new ByteArrayContent(d.Body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(CloudEventEnvelope.MediaType) { CharSet = "utf-8" };
            request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(secrets.Open(d.Secret!, d.SubscriptionId), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), d.Body));
            request.Headers.Add("X-MaaS-Delivery", d.Id.ToString());
            request.Headers.Add("X-MaaS-Attempt", (d.Attempts + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.Timeout);
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            return new Outcome(response.IsSuccessStatusCode, status, response.IsSuccessStatusCode ? null : $"HTTP {status}", (int)watch.ElapsedMilliseconds);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new Outcome(false, null, $"no answer within {options.Timeout.TotalSeconds:0.#} s", (int)watch.ElapsedMilliseconds);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // Whatever went wrong on the way (refused connection, broker nack or return, TLS): a failed attempt, logged with its reason.
            return new Outcome(false, null, Truncate(ex.Message), (int)watch.ElapsedMilliseconds);
        }
    }

    private async Task RecordAsync(Due d, Outcome outcome, CancellationToken ct)
    {
        var attempt = d.Attempts + 1;
        var cycle = d.CycleAttempts + 1;
        var dead = !outcome.Delivered && cycle >= options.MaxAttempts;
        var delay = outcome.Delivered || dead ? TimeSpan.Zero : Backoff(cycle);
        await using var batch = db.Source.CreateBatch();
        var update = new NpgsqlBatchCommand("""
            UPDATE gateway.deliveries SET attempts = $2, cycle_attempts = $3, last_status = $4, last_error = $5, leased_until = NULL,
                status = CASE WHEN $6 THEN 'delivered' WHEN $7 THEN 'dead' ELSE 'pending' END,
                delivered_at = CASE WHEN $6 THEN now() ELSE delivered_at END,
                dead_lettered_at = CASE WHEN $7 THEN now() ELSE NULL END,
                next_attempt_at = CASE WHEN $6 OR $7 THEN NULL ELSE now() + $8 END
            WHERE id = $1
            """);
        update.Parameters.AddWithValue(d.Id);
        update.Parameters.AddWithValue(attempt);
        update.Parameters.AddWithValue(cycle);
        update.Parameters.AddWithValue((object?)outcome.StatusCode ?? DBNull.Value);
        update.Parameters.AddWithValue((object?)outcome.Error ?? DBNull.Value);
        update.Parameters.AddWithValue(outcome.Delivered);
        update.Parameters.AddWithValue(dead);
        update.Parameters.AddWithValue(delay);
        batch.BatchCommands.Add(update);
        var log = new NpgsqlBatchCommand(
            "INSERT INTO gateway.delivery_attempts (delivery_id, attempt, at, status_code, error, duration_ms) VALUES ($1, $2, now(), $3, $4, $5) ON CONFLICT DO NOTHING");
        log.Parameters.AddWithValue(d.Id);
        log.Parameters.AddWithValue(attempt);
        log.Parameters.AddWithValue((object?)outcome.StatusCode ?? DBNull.Value);
        log.Parameters.AddWithValue((object?)outcome.Error ?? DBNull.Value);
        log.Parameters.AddWithValue(outcome.DurationMs);
        batch.BatchCommands.Add(log);
        // The subscription may have been deleted meanwhile (its deliveries with it): then nothing is updated, which is right.
        try
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            logger.LogDebug("Delivery {DeliveryId} went with its subscription", d.Id);
        }
        if (dead) logger.LogWarning("Delivery {DeliveryId} of event {EventId} dead-lettered after {Attempts} attempts: {Error}", d.Id, d.EventId, cycle, outcome.Error);
    }

    public TimeSpan Backoff(int failedAttempts)
    {
        var factor = Math.Pow(2, Math.Min(30, failedAttempts - 1));
        var delay = TimeSpan.FromTicks((long)Math.Min(options.BaseDelay.Ticks * factor, options.MaxDelay.Ticks));
        return delay;
    }

    private static string Truncate(string s) => s.Length <= 500 ? s : s[..500];
}
