using Npgsql;

namespace MaaS.Gateway.Events;

/// <summary>
/// The tables of partner events in the gateway's schema: the party index (who may see what, learnt from the events
/// themselves), the events as sent (CloudEvent JSON), subscriptions, and the deliveries outbox with its attempt log.
/// </summary>
public static class Schema
{
    private const string Ddl = """
        CREATE SCHEMA IF NOT EXISTS gateway;
        CREATE TABLE IF NOT EXISTS gateway.event_machines (
            machine_id uuid PRIMARY KEY, oem text NOT NULL, customer text NOT NULL, model text NOT NULL, region int NOT NULL);
        CREATE TABLE IF NOT EXISTS gateway.event_accreditations (
            oem text NOT NULL, maintainer text NOT NULL, model text NOT NULL, region int NOT NULL, active boolean NOT NULL, block bigint NOT NULL,
            PRIMARY KEY (oem, maintainer, model, region));
        CREATE TABLE IF NOT EXISTS gateway.event_ticket_parties (ticket_id uuid NOT NULL, account text NOT NULL, PRIMARY KEY (ticket_id, account));
        CREATE TABLE IF NOT EXISTS gateway.events (
            seq bigserial PRIMARY KEY, id text NOT NULL UNIQUE, type text NOT NULL, machine_id uuid NOT NULL, time timestamptz NOT NULL,
            audience text[] NOT NULL, body bytea NOT NULL, stored_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE IF NOT EXISTS gateway.subscriptions (
            id uuid PRIMARY KEY, kind text NOT NULL, owner_id uuid NOT NULL, owner_account text NOT NULL, owner_operator boolean NOT NULL,
            url text, secret text, queue text, amqp_user text, event_types text[] NOT NULL, machine_ids uuid[] NOT NULL, created_at timestamptz NOT NULL);
        CREATE INDEX IF NOT EXISTS subscriptions_owner ON gateway.subscriptions (owner_id);
        CREATE TABLE IF NOT EXISTS gateway.deliveries (
            id uuid PRIMARY KEY, subscription_id uuid NOT NULL REFERENCES gateway.subscriptions ON DELETE CASCADE,
            event_seq bigint NOT NULL REFERENCES gateway.events, status text NOT NULL, attempts int NOT NULL DEFAULT 0,
            cycle_attempts int NOT NULL DEFAULT 0, next_attempt_at timestamptz, leased_until timestamptz, last_status int, last_error text,
            created_at timestamptz NOT NULL, delivered_at timestamptz, dead_lettered_at timestamptz, UNIQUE (subscription_id, event_seq));
        CREATE INDEX IF NOT EXISTS deliveries_due ON gateway.deliveries (next_attempt_at) WHERE status = 'pending';
        CREATE INDEX IF NOT EXISTS deliveries_event ON gateway.deliveries (event_seq);
        CREATE INDEX IF NOT EXISTS events_stored_at ON gateway.events (stored_at);
        CREATE TABLE IF NOT EXISTS gateway.delivery_attempts (
            delivery_id uuid NOT NULL REFERENCES gateway.deliveries ON DELETE CASCADE, attempt int NOT NULL, at timestamptz NOT NULL,
            status_code int, error text, duration_ms int NOT NULL, PRIMARY KEY (delivery_id, attempt));
        """;

    /// <summary>The channel on which every instance learns of a new event (sent on commit, in commit order).</summary>
    public const string Channel = "maas_partner_events";

    /// <summary>Creates the tables; serialised by an advisory lock, since two instances starting together would race on <c>IF NOT EXISTS</c>.</summary>
    public static async Task CreateAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(7460093288441)", connection, tx)) await lockCommand.ExecuteNonQueryAsync(ct);
        await using (var ddl = new NpgsqlCommand(Ddl, connection, tx)) await ddl.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }
}
