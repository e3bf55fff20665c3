using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace MaaS.Gateway.Idempotency;

public sealed class IdempotencyOptions
{
    public const string Section = "Gateway:Idempotency";

    /// <summary>How long a stored response answers retries.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A first request still unanswered after this long is taken as lost (its gateway died): a retry runs again.</summary>
    public TimeSpan InFlightTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Responses larger than this are not stored (a retry runs again; the services' own idempotency still holds).</summary>
    public int MaxResponseBytes { get; set; } = 1024 * 1024;

    public int MaxRequestBytes { get; set; } = 16 * 1024 * 1024;
}

public abstract record Claim
{
    public sealed record Began : Claim;

    public sealed record InFlight : Claim;

    public sealed record Mismatch : Claim;

    public sealed record Completed(int Status, Dictionary<string, string[]> Headers, byte[] Body) : Claim;
}

/// <summary>
/// First responses to POSTs with an <c>Idempotency-Key</c>, in PostgreSQL (schema <c>gateway</c>), keyed by the caller
/// and the key, so that every gateway instance answers a retry the same way.
/// </summary>
public sealed class IdempotencyStore(NpgsqlDataSource db, IdempotencyOptions options)
{
    private const string Schema = """
        CREATE SCHEMA IF NOT EXISTS gateway;
        CREATE TABLE IF NOT EXISTS gateway.idempotency (
            owner text NOT NULL,
            key text NOT NULL,
            request_hash bytea NOT NULL,
            started_at timestamptz NOT NULL,
            completed_at timestamptz,
            status int,
            headers jsonb,
            body bytea,
            PRIMARY KEY (owner, key));
        """;

    public async Task CreateSchemaAsync(CancellationToken ct)
    {
        await using var command = db.CreateCommand(Schema);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Claims the key for this request, or says why not: in flight, used for another request, or answered already.</summary>
    public async Task<Claim> ClaimAsync(string owner, string key, byte[] requestHash, CancellationToken ct)
    {
        // A row left by a lost first attempt, or older than the retention, is taken over in the same statement.
        await using (var claim = db.CreateCommand("""
            INSERT INTO gateway.idempotency (owner, key, request_hash, started_at) VALUES ($1, $2, $3, now())
            ON CONFLICT (owner, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, started_at = now(),
                completed_at = NULL, status = NULL, headers = NULL, body = NULL
            WHERE (gateway.idempotency.completed_at IS NULL AND gateway.idempotency.started_at < now() - $4)
               OR gateway.idempotency.completed_at < now() - $5
            RETURNING 1
            """))
        {
            claim.Parameters.AddWithValue(owner);
            claim.Parameters.AddWithValue(key);
            claim.Parameters.AddWithValue(requestHash);
            claim.Parameters.AddWithValue(options.InFlightTimeout);
            claim.Parameters.AddWithValue(options.Retention);
            if (await claim.ExecuteScalarAsync(ct) is not null) return new Claim.Began();
        }
        await using var read = db.CreateCommand("SELECT request_hash, completed_at IS NOT NULL, status, headers, body FROM gateway.idempotency WHERE owner = $1 AND key = $2");
        read.Parameters.AddWithValue(owner);
        read.Parameters.AddWithValue(key);
        await using var row = await read.ExecuteReaderAsync(ct);
        // Deleted in between (the first attempt failed): the caller may simply retry.
        if (!await row.ReadAsync(ct)) return new Claim.InFlight();
        if (!((byte[])row[0]).AsSpan().SequenceEqual(requestHash)) return new Claim.Mismatch();
        if (!row.GetBoolean(1)) return new Claim.InFlight();
        return new Claim.Completed(row.GetInt32(2), JsonSerializer.Deserialize<Dictionary<string, string[]>>(row.GetString(3)) ?? [], (byte[])row[4]);
    }

    public async Task CompleteAsync(string owner, string key, int status, Dictionary<string, string[]> headers, byte[] body, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            "UPDATE gateway.idempotency SET completed_at = now(), status = $3, headers = $4, body = $5 WHERE owner = $1 AND key = $2");
        command.Parameters.AddWithValue(owner);
        command.Parameters.AddWithValue(key);
        command.Parameters.AddWithValue(status);
        command.Parameters.AddWithValue(NpgsqlDbType.Jsonb, JsonSerializer.Serialize(headers));
        command.Parameters.AddWithValue(body);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Forgets a claim whose request failed, so that a retry runs it again.</summary>
    public async Task ReleaseAsync(string owner, string key)
    {
        await using var command = db.CreateCommand("DELETE FROM gateway.idempotency WHERE owner = $1 AND key = $2 AND completed_at IS NULL");
        command.Parameters.AddWithValue(owner);
        command.Parameters.AddWithValue(key);
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }
}
