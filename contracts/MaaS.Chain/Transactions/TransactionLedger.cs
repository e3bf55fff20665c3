using System.Data;
using System.Numerics;
using Npgsql;

namespace MaaS.Chain.Transactions;

/// <summary>
/// The durable record of every transaction this deployment signs, in PostgreSQL: one nonce row per (chain, address)
/// locked while a nonce is taken, so processes and instances share one sequence per key and a restart never reuses or
/// skips a nonce; and one row per transaction, unique by idempotency key. Raw signed bytes are kept so a transaction
/// signed before a crash is still broadcast after it.
/// </summary>
public sealed class TransactionLedger(NpgsqlDataSource dataSource, string schema)
{
    private readonly string s = Quote(schema);
    private volatile bool created;

    public NpgsqlDataSource DataSource => dataSource;

    public async Task EnsureCreatedAsync(CancellationToken ct)
    {
        if (created) return;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // Several processes start at once: serialise the DDL, or CREATE ... IF NOT EXISTS races on the catalog.
        await Execute(connection, tx, "SELECT pg_advisory_xact_lock(hashtext('maas.chain.schema'))", ct);
        await Execute(connection, tx, $"""
            CREATE SCHEMA IF NOT EXISTS {s};
            CREATE TABLE IF NOT EXISTS {s}.nonces (
              chain_id bigint NOT NULL, address text NOT NULL, next_nonce bigint NOT NULL,
              PRIMARY KEY (chain_id, address));
            CREATE TABLE IF NOT EXISTS {s}.transactions (
              id uuid PRIMARY KEY, idempotency_key text NOT NULL UNIQUE, chain_id bigint NOT NULL,
              from_address text NOT NULL, nonce bigint NOT NULL, to_address text NOT NULL, data text NOT NULL,
              value numeric NOT NULL, gas_limit bigint NOT NULL, max_fee numeric NOT NULL, priority_fee numeric NOT NULL,
              raw text NOT NULL, hash text NOT NULL, hashes text[] NOT NULL, status text NOT NULL, attempts int NOT NULL,
              block_number bigint, block_hash text, gas_used bigint, error text,
              created_at timestamptz NOT NULL, submitted_at timestamptz, mined_at timestamptz, final_at timestamptz,
              updated_at timestamptz NOT NULL,
              UNIQUE (chain_id, from_address, nonce));
            CREATE INDEX IF NOT EXISTS transactions_open ON {s}.transactions (chain_id, status) WHERE status IN ('Signed','Submitted','Mined');
            """, ct);
        await tx.CommitAsync(ct);
        created = true;
    }

    public async Task<TransactionRecord?> FindAsync(string idempotencyKey, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT * FROM {s}.transactions WHERE idempotency_key = $1");
        command.Parameters.AddWithValue(idempotencyKey);
        return await ReadOne(command, ct);
    }

    public async Task<TransactionRecord?> FindByHashAsync(string hash, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT * FROM {s}.transactions WHERE $1 = ANY(hashes)");
        command.Parameters.AddWithValue(hash.ToLowerInvariant());
        return await ReadOne(command, ct);
    }

    /// <summary>Raises the stored next nonce to what the chain already counts (keys used outside this ledger).</summary>
    public async Task ReconcileNonceAsync(long chainId, string address, long chainCount, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO {s}.nonces (chain_id, address, next_nonce) VALUES ($1, $2, $3)
            ON CONFLICT (chain_id, address) DO UPDATE SET next_nonce = GREATEST({s}.nonces.next_nonce, EXCLUDED.next_nonce)
            """);
        command.Parameters.AddWithValue(chainId);
        command.Parameters.AddWithValue(address.ToLowerInvariant());
        command.Parameters.AddWithValue(chainCount);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Takes the next nonce of the key under a row lock, signs with it and stores the transaction, all in one
    /// database transaction. Returns the stored record, or the existing one when the idempotency key is already taken.
    /// </summary>
    public async Task<(TransactionRecord Record, bool Created)> ReserveAsync(
        long chainId, TransactionRequest request, Func<long, (string Raw, string Hash, long Gas, BigInteger MaxFee, BigInteger Priority)> sign,
        DateTimeOffset now, CancellationToken ct)
    {
        var from = request.From.ToLowerInvariant();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        long nonce;
        await using (var select = new NpgsqlCommand($"SELECT next_nonce FROM {s}.nonces WHERE chain_id = $1 AND address = $2 FOR UPDATE", connection, tx))
        {
            select.Parameters.AddWithValue(chainId);
            select.Parameters.AddWithValue(from);
            nonce = (long)(await select.ExecuteScalarAsync(ct) ?? throw new InvalidOperationException($"No nonce row for {from}: reconcile first."));
        }
        await using (var existing = new NpgsqlCommand($"SELECT * FROM {s}.transactions WHERE idempotency_key = $1", connection, tx))
        {
            existing.Parameters.AddWithValue(request.IdempotencyKey);
            if (await ReadOne(existing, ct) is { } found) return (found, false);
        }

        var (raw, hash, gas, maxFee, priority) = sign(nonce);
        var record = new TransactionRecord(Guid.CreateVersion7(now), request.IdempotencyKey, chainId, from, nonce, request.To.ToLowerInvariant(),
            request.Data, request.Value, gas, maxFee, priority, raw, hash, [hash], TransactionStatus.Signed, 1,
            null, null, null, null, now, null, null, null);
        await using (var insert = new NpgsqlCommand($"""
            INSERT INTO {s}.transactions (id, idempotency_key, chain_id, from_address, nonce, to_address, data, value, gas_limit,
              max_fee, priority_fee, raw, hash, hashes, status, attempts, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
            """, connection, tx))
        {
            insert.Parameters.AddWithValue(record.Id);
            insert.Parameters.AddWithValue(record.IdempotencyKey);
            insert.Parameters.AddWithValue(chainId);
            insert.Parameters.AddWithValue(from);
            insert.Parameters.AddWithValue(nonce);
            insert.Parameters.AddWithValue(record.To);
            insert.Parameters.AddWithValue(record.Data);
            insert.Parameters.AddWithValue((decimal)record.Value);
            insert.Parameters.AddWithValue(gas);
            insert.Parameters.AddWithValue((decimal)maxFee);
            insert.Parameters.AddWithValue((decimal)priority);
            insert.Parameters.AddWithValue(raw);
            insert.Parameters.AddWithValue(hash);
            insert.Parameters.AddWithValue(new[] { hash });
            insert.Parameters.AddWithValue(nameof(TransactionStatus.Signed));
            insert.Parameters.AddWithValue(1);
            insert.Parameters.AddWithValue(now);
            try
            {
                await insert.ExecuteNonQueryAsync(ct);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName?.Contains("idempotency", StringComparison.Ordinal) == true)
            {
                // Another process took the same command key between our check and insert: the nonce stays unused.
                await tx.RollbackAsync(ct);
                return (await FindAsync(request.IdempotencyKey, ct) ?? throw new InvalidOperationException("idempotency race lost and no row"), false);
            }
        }
        await using (var advance = new NpgsqlCommand($"UPDATE {s}.nonces SET next_nonce = $3 WHERE chain_id = $1 AND address = $2", connection, tx))
        {
            advance.Parameters.AddWithValue(chainId);
            advance.Parameters.AddWithValue(from);
            advance.Parameters.AddWithValue(nonce + 1);
            await advance.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return (record, true);
    }

    public Task<bool> MarkSubmittedAsync(Guid id, DateTimeOffset now, CancellationToken ct) =>
        Update(id, "status = 'Submitted', submitted_at = COALESCE(submitted_at, $2)", "status = 'Signed'", ct, now);

    public Task<bool> MarkRefusedAsync(Guid id, string error, DateTimeOffset now, CancellationToken ct) =>
        Update(id, "status = 'Failed', error = $3", "status IN ('Signed','Submitted')", ct, now, error);

    public Task<bool> MarkInBlockAsync(Guid id, TransactionStatus status, string hash, long block, string blockHash, long gasUsed, string? error, DateTimeOffset now, CancellationToken ct) =>
        Update(id, "status = $3, hash = $4, block_number = $5, block_hash = $6, gas_used = $7, error = $8, mined_at = COALESCE(mined_at, $2), submitted_at = COALESCE(submitted_at, $2)",
            "status IN ('Signed','Submitted')", ct, now, status.ToString(), hash, block, blockHash, gasUsed, (object?)error ?? DBNull.Value);

    public Task<bool> MarkFinalAsync(Guid id, DateTimeOffset now, CancellationToken ct) =>
        Update(id, "status = CASE WHEN status = 'Failed' THEN 'Failed' ELSE 'Final' END, final_at = $2", "status IN ('Mined','Failed') AND final_at IS NULL", ct, now);

    /// <summary>Its block left the canonical chain: the transaction is pending again and will be re-broadcast.</summary>
    public Task<bool> MarkReorgedOutAsync(Guid id, DateTimeOffset now, CancellationToken ct) =>
        Update(id, "status = 'Submitted', block_number = NULL, block_hash = NULL, gas_used = NULL, error = NULL, mined_at = NULL, submitted_at = $2",
            "status IN ('Mined','Failed') AND final_at IS NULL", ct, now);

    public Task<bool> MarkReplacedAsync(Guid id, int previousAttempts, string raw, string hash, BigInteger maxFee, BigInteger priority, DateTimeOffset now, CancellationToken ct) =>
        Update(id, "raw = $4, hash = $5, hashes = array_append(hashes, $5), max_fee = $6, priority_fee = $7, attempts = attempts + 1, submitted_at = $2",
            "status IN ('Signed','Submitted') AND attempts = $3", ct, now, previousAttempts, raw, hash, (decimal)maxFee, (decimal)priority);

    /// <summary>Transactions not yet final or failed, oldest nonce first.</summary>
    public async Task<IReadOnlyList<TransactionRecord>> OpenAsync(long chainId, int limit, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT * FROM {s}.transactions
            WHERE chain_id = $1 AND (status IN ('Signed','Submitted','Mined') OR (status = 'Failed' AND block_number IS NOT NULL AND final_at IS NULL))
            ORDER BY from_address, nonce LIMIT $2
            """);
        command.Parameters.AddWithValue(chainId);
        command.Parameters.AddWithValue(limit);
        var list = new List<TransactionRecord>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) list.Add(Read(reader));
        return list;
    }

    private async Task<bool> Update(Guid id, string set, string condition, CancellationToken ct, DateTimeOffset now, params object[] more)
    {
        await using var command = dataSource.CreateCommand($"UPDATE {s}.transactions SET {set}, updated_at = $2 WHERE id = $1 AND {condition}");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(now);
        foreach (var value in more) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    private static async Task<TransactionRecord?> ReadOne(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    private static TransactionRecord Read(NpgsqlDataReader r)
    {
        T? Get<T>(string column) => r.IsDBNull(r.GetOrdinal(column)) ? default : r.GetFieldValue<T>(r.GetOrdinal(column));
        return new TransactionRecord(
            Get<Guid>("id"), Get<string>("idempotency_key")!, Get<long>("chain_id"), Get<string>("from_address")!, Get<long>("nonce"),
            Get<string>("to_address")!, Get<string>("data")!, new BigInteger(Get<decimal>("value")), Get<long>("gas_limit"),
            new BigInteger(Get<decimal>("max_fee")), new BigInteger(Get<decimal>("priority_fee")), Get<string>("raw")!, Get<string>("hash")!,
            Get<string[]>("hashes")!, Enum.Parse<TransactionStatus>(Get<string>("status")!), Get<int>("attempts"),
            Get<long?>("block_number"), Get<string>("block_hash"), Get<long?>("gas_used"), Get<string>("error"),
            Get<DateTimeOffset>("created_at"), Get<DateTimeOffset?>("submitted_at"), Get<DateTimeOffset?>("mined_at"), Get<DateTimeOffset?>("final_at"));
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static string Quote(string identifier) =>
        identifier.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') ? identifier : throw new ArgumentException($"Unsafe schema name '{identifier}'.");
}
