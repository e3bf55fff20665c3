using Npgsql;

namespace MaaS.Telemetry.Storage;

/// <summary>
/// The tables. <c>machines</c> is the machine view plus every per-machine counter the ingest transaction keeps
/// (last reading, open batch, gap state), one row locked per request; <c>readings</c> holds each reading once with its
/// canonical bytes, keyed by (machine, seq) only; <c>reading_minutes</c> is their time index (see <see cref="ReadingMinutes"/>);
/// <c>batches</c> is both the batch index and the outbox of <c>TelemetryBatchSealed</c>;
/// <c>outbox</c> holds the other messages; <c>inbox</c> the ids of machine events already applied.
/// </summary>
internal static class TelemetrySchema
{
    private const long LockKey = 0x7465_6c65_6d65_7472; // "telemetr"

    private const string Ddl = """
        CREATE SCHEMA IF NOT EXISTS telemetry;

        CREATE TABLE IF NOT EXISTS telemetry.machines (
            machine_id        uuid PRIMARY KEY,
            device            text,
            device_block      bigint NOT NULL DEFAULT -1,
            interval_ms       bigint,
            oem               text,
            customer          text,
            executing         boolean NOT NULL DEFAULT false,
            terminated        boolean NOT NULL DEFAULT false,
            status_block      bigint NOT NULL DEFAULT -1,
            executing_since   timestamptz,
            failure_reported  boolean NOT NULL DEFAULT false,
            max_seq           bigint NOT NULL DEFAULT 0,
            last_ts           bigint,
            last_status       smallint,
            last_received_at  timestamptz,
            reading_count     bigint NOT NULL DEFAULT 0,
            gap_open          boolean NOT NULL DEFAULT false,
            gap_since         timestamptz,
            open_batch        bigint NOT NULL DEFAULT 1,
            open_count        integer NOT NULL DEFAULT 0,
            open_bytes        integer NOT NULL DEFAULT 0,
            open_min_seq      bigint,
            open_max_seq      bigint,
            open_min_ts       bigint,
            open_max_ts       bigint,
            open_since        timestamptz
        ) WITH (fillfactor = 50);
        -- A failure episode (malfunctioning reading or stop) until the next running reading: MachineRunningAgain.
        ALTER TABLE telemetry.machines ADD COLUMN IF NOT EXISTS failure_open boolean NOT NULL DEFAULT false;

        CREATE TABLE IF NOT EXISTS telemetry.readings (
            machine_id  uuid     NOT NULL,
            seq         bigint   NOT NULL,
            ts          bigint   NOT NULL,
            status      smallint NOT NULL,
            produced    bigint   NOT NULL,
            rejected    bigint   NOT NULL,
            batch_seq   bigint   NOT NULL,
            canonical   bytea    NOT NULL,
            PRIMARY KEY (machine_id, seq)
        );
        DROP INDEX IF EXISTS telemetry.readings_by_time;

        CREATE TABLE IF NOT EXISTS telemetry.reading_minutes (
            machine_id  uuid   NOT NULL,
            minute      bigint NOT NULL,
            min_seq     bigint NOT NULL,
            max_seq     bigint NOT NULL,
            PRIMARY KEY (machine_id, minute)
        ) WITH (fillfactor = 70);

        CREATE TABLE IF NOT EXISTS telemetry.batches (
            machine_id    uuid        NOT NULL,
            batch_seq     bigint      NOT NULL,
            first_seq     bigint      NOT NULL,
            last_seq      bigint      NOT NULL,
            count         integer     NOT NULL,
            bytes         integer     NOT NULL,
            first_ts      bigint      NOT NULL,
            last_ts       bigint      NOT NULL,
            sealed_at     timestamptz NOT NULL,
            published_at  timestamptz,
            PRIMARY KEY (machine_id, batch_seq)
        );
        CREATE INDEX IF NOT EXISTS batches_unpublished ON telemetry.batches (sealed_at) WHERE published_at IS NULL;
        -- Anchoring's answer (TelemetryBatchAnchored or TelemetryBatchRefused): until it comes, the batch is published again.
        ALTER TABLE telemetry.batches ADD COLUMN IF NOT EXISTS settled_at timestamptz;
        ALTER TABLE telemetry.batches ADD COLUMN IF NOT EXISTS settlement text;
        ALTER TABLE telemetry.batches ADD COLUMN IF NOT EXISTS publications integer NOT NULL DEFAULT 0;
        CREATE INDEX IF NOT EXISTS batches_unsettled ON telemetry.batches (published_at) WHERE settled_at IS NULL AND published_at IS NOT NULL;

        CREATE TABLE IF NOT EXISTS telemetry.outbox (
            id            uuid PRIMARY KEY,
            machine_id    uuid        NOT NULL,
            type          text        NOT NULL,
            payload       jsonb       NOT NULL,
            created_at    timestamptz NOT NULL,
            published_at  timestamptz
        );
        CREATE INDEX IF NOT EXISTS outbox_unpublished ON telemetry.outbox (created_at) WHERE published_at IS NULL;

        CREATE TABLE IF NOT EXISTS telemetry.inbox (
            message_id   uuid PRIMARY KEY,
            received_at  timestamptz NOT NULL
        );
        """;

    public static async Task CreateAsync(NpgsqlDataSource dataSource, ILogger logger)
    {
        // Marten creates the same schema at start-up; concurrent CREATE SCHEMA IF NOT EXISTS can still collide.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await CreateOnceAsync(dataSource);
                logger.LogInformation("Telemetry tables ready");
                return;
            }
            catch (PostgresException ex) when (attempt < 5 && ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateSchema)
            {
                await Task.Delay(100 * attempt);
            }
        }
    }

    private static async Task CreateOnceAsync(NpgsqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({LockKey})", connection, transaction))
            await lockCommand.ExecuteNonQueryAsync();
        await using (var ddl = new NpgsqlCommand(Ddl, connection, transaction))
            await ddl.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }
}
