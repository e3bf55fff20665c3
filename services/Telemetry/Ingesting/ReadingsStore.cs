using MaaS.OffChain.Telemetry;
using MaaS.Telemetry.Publishing;
using MaaS.Telemetry.Storage;
using Npgsql;
using NpgsqlTypes;

namespace MaaS.Telemetry.Ingesting;

public sealed record IngestResponse(Guid MachineId, int Received, int Stored, int Duplicates);

/// <summary>
/// The ingest transaction. It locks the machine's row (<c>FOR UPDATE</c>), so requests for one machine — on any instance —
/// are serialized: duplicates are found without races, and batch numbers follow each other without gaps. The readings are
/// copied in, then their minutes (the time index), the machine row, sealed batches and detected messages are written in
/// one round trip, and all of it is committed together; the 202 is sent after the commit.
/// </summary>
internal sealed class ReadingsStore(TelemetryDatabase database, TelemetryOptions options, OutboxSignal signal)
{
    public async Task<(IngestResponse? Stored, Refusal? Refusal)> StoreAsync(
        ReadingsRequest request, SignedReadings encoded, string? signer, DateTimeOffset now, CancellationToken ct)
    {
        var machineId = request.MachineId;
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var state = await LockAsync(connection, transaction, machineId, ct);
        if (state?.Device is null) return (null, Refusal.UnknownMachine(machineId));
        if (signer is null || signer != state.Device) return (null, Refusal.BadSignature());
        if (!state.Executing) return (null, Refusal.NotExecuting(machineId));

        var duplicate = new bool[request.Count];
        var duplicates = request.Seq[request.BySeq[0]] <= state.MaxSeq ? await MarkDuplicatesAsync(connection, transaction, request, duplicate, ct) : 0;
        if (duplicates < request.Count)
        {
            var plan = IngestPlan.Decide(machineId, state, request, encoded.Lengths, duplicate, options.Sealing, now);
            await CopyReadingsAsync(connection, request, encoded, plan, duplicate, ct);
            await using var write = new NpgsqlBatch(connection, transaction);
            write.BatchCommands.Add(UpsertMinutes(request, duplicate));
            write.BatchCommands.Add(UpdateMachine(machineId, plan.After));
            if (plan.Sealed.Count > 0) write.BatchCommands.Add(InsertBatches(machineId, plan.Sealed));
            if (Outbox.Insert(plan.Messages, now) is { } messages) write.BatchCommands.Add(messages);
            await write.ExecuteNonQueryAsync(ct);
            await transaction.CommitAsync(ct);
            if (plan.Sealed.Count > 0 || plan.Messages.Count > 0) signal.Wake();
        }
        return (new IngestResponse(machineId, request.Count, request.Count - duplicates, duplicates), null);
    }

    private static async Task<MachineIngestState?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid machineId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            SELECT device, executing, max_seq, last_ts, last_status, last_received_at, reading_count, gap_open, failure_reported,
                   open_batch, open_count, open_bytes, open_min_seq, open_max_seq, open_min_ts, open_max_ts, open_since, failure_open
            FROM telemetry.machines WHERE machine_id = $1 FOR UPDATE
            """, connection, transaction) { Parameters = { new() { Value = machineId } } };
        await using var row = await command.ExecuteReaderAsync(ct);
        if (!await row.ReadAsync(ct)) return null;
        var open = row.GetInt32(10) == 0 ? OpenBatch.Empty(row.GetInt64(9))
            : new OpenBatch(row.GetInt64(9), row.GetInt32(10), row.GetInt32(11), row.GetInt64(12), row.GetInt64(13), row.GetInt64(14), row.GetInt64(15),
                row.GetFieldValue<DateTimeOffset>(16));
        return new MachineIngestState(
            row.IsDBNull(0) ? null : row.GetString(0), row.GetBoolean(1), row.GetInt64(2), row.IsDBNull(3) ? null : row.GetInt64(3),
            row.IsDBNull(4) ? null : (ReadingStatus)row.GetInt16(4), row.IsDBNull(5) ? null : row.GetFieldValue<DateTimeOffset>(5), row.GetInt64(6),
            row.GetBoolean(7), row.GetBoolean(8), open, row.GetBoolean(17));
    }

    /// <summary>Marks the request's readings already stored (only asked when some seq is not above the machine's highest).</summary>
    private static async Task<int> MarkDuplicatesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ReadingsRequest request, bool[] duplicate, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT seq FROM telemetry.readings WHERE machine_id = $1 AND seq = ANY($2)", connection, transaction)
        {
            Parameters = { new() { Value = request.MachineId }, new() { Value = request.Seq.AsSpan(0, request.Count).ToArray() } },
        };
        var stored = new HashSet<long>();
        await using (var rows = await command.ExecuteReaderAsync(ct))
            while (await rows.ReadAsync(ct)) stored.Add(rows.GetInt64(0));
        for (var i = 0; i < request.Count; i++) duplicate[i] = stored.Contains(request.Seq[i]);
        return stored.Count;
    }

    /// <summary>
    /// The new readings, by binary COPY in the ingest transaction, so that PostgreSQL (the largest share of the ingest's
    /// CPU) writes them with its multi-row insert path (one heap WAL record per page rather than per row). Against the
    /// former <c>INSERT … unnest</c> the difference was within the noise of the full-stack benchmark. Duplicates were
    /// removed under the machine's row lock, so no conflict handling is needed.
    /// </summary>
    private static async Task CopyReadingsAsync(NpgsqlConnection connection, ReadingsRequest request, SignedReadings encoded, IngestPlan plan, bool[] duplicate, CancellationToken ct)
    {
        await using var copy = await connection.BeginBinaryImportAsync(
            "COPY telemetry.readings (machine_id, seq, ts, status, produced, rejected, batch_seq, canonical) FROM STDIN (FORMAT BINARY)", ct);
        for (var i = 0; i < request.Count; i++)
        {
            if (duplicate[i]) continue;
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(request.MachineId, NpgsqlDbType.Uuid, ct);
            await copy.WriteAsync(request.Seq[i], NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(request.Timestamp[i], NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync((short)request.Status[i], NpgsqlDbType.Smallint, ct);
            await copy.WriteAsync(request.Produced[i], NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(request.Rejected[i], NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(plan.BatchOf[i], NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(encoded.Canonical(i), NpgsqlDbType.Bytea, ct);
        }
        await copy.CompleteAsync(ct);
    }

    private static NpgsqlBatchCommand UpsertMinutes(ReadingsRequest request, bool[] duplicate)
    {
        var (minutes, minSeqs, maxSeqs) = ReadingMinutes.Of(Enumerable.Range(0, request.Count).Where(i => !duplicate[i]).Select(i => (request.Seq[i], request.Timestamp[i])));
        return new NpgsqlBatchCommand(ReadingMinutes.Upsert)
        {
            Parameters = { new() { Value = request.MachineId }, new() { Value = minutes }, new() { Value = minSeqs }, new() { Value = maxSeqs } },
        };
    }

    private static NpgsqlBatchCommand UpdateMachine(Guid machineId, MachineIngestState after)
    {
        var open = after.Open;
        var empty = open.Count == 0;
        return new NpgsqlBatchCommand("""
            UPDATE telemetry.machines SET max_seq = $2, last_ts = $3, last_status = $4, last_received_at = $5, reading_count = $6,
                gap_open = $7, gap_since = CASE WHEN $7 THEN gap_since END, failure_reported = $8,
                open_batch = $9, open_count = $10, open_bytes = $11, open_min_seq = $12, open_max_seq = $13, open_min_ts = $14, open_max_ts = $15, open_since = $16, failure_open = $17
            WHERE machine_id = $1
            """)
        {
            Parameters =
            {
                new() { Value = machineId }, new() { Value = after.MaxSeq }, new() { Value = (object?)after.LastTs ?? DBNull.Value },
                new() { Value = after.LastStatus is { } s ? (short)s : (object)DBNull.Value }, new() { Value = (object?)after.LastReceivedAt ?? DBNull.Value },
                new() { Value = after.ReadingCount }, new() { Value = after.GapOpen }, new() { Value = after.FailureReported },
                new() { Value = open.Number }, new() { Value = open.Count }, new() { Value = open.Bytes },
                Nullable(empty, open.MinSeq), Nullable(empty, open.MaxSeq), Nullable(empty, open.MinTs), Nullable(empty, open.MaxTs),
                new() { Value = (object?)open.Since ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                new() { Value = after.FailureOpen },
            },
        };
    }

    private static NpgsqlParameter Nullable(bool isNull, long value) =>
        new() { Value = isNull ? DBNull.Value : value, NpgsqlDbType = NpgsqlDbType.Bigint };

    private static NpgsqlBatchCommand InsertBatches(Guid machineId, IReadOnlyList<BatchSealed> batches) => new("""
        INSERT INTO telemetry.batches (machine_id, batch_seq, first_seq, last_seq, count, bytes, first_ts, last_ts, sealed_at)
        SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::integer[], $6::integer[], $7::bigint[], $8::bigint[], $9::timestamptz[])
        """)
    {
        Parameters =
        {
            new() { Value = machineId }, new() { Value = batches.Select(b => b.BatchSeq).ToArray() },
            new() { Value = batches.Select(b => b.FirstSeq).ToArray() }, new() { Value = batches.Select(b => b.LastSeq).ToArray() },
            new() { Value = batches.Select(b => b.Count).ToArray() }, new() { Value = batches.Select(b => b.Bytes).ToArray() },
            new() { Value = batches.Select(b => b.FirstTs).ToArray() }, new() { Value = batches.Select(b => b.LastTs).ToArray() },
            new() { Value = batches.Select(b => b.SealedAt).ToArray() },
        },
    };
}
