using Npgsql;

namespace MaaS.Telemetry.Storage;

/// <summary>A sealed batch as recorded in <c>telemetry.batches</c>.</summary>
internal sealed record SealedBatch(Guid MachineId, long BatchSeq, long FirstSeq, long LastSeq, int Count, int Bytes, long FirstTs, long LastTs, DateTimeOffset SealedAt)
{
    public const string Columns = "machine_id, batch_seq, first_seq, last_seq, count, bytes, first_ts, last_ts, sealed_at";

    public static SealedBatch Read(NpgsqlDataReader row) =>
        new(row.GetGuid(0), row.GetInt64(1), row.GetInt64(2), row.GetInt64(3), row.GetInt32(4), row.GetInt32(5), row.GetInt64(6), row.GetInt64(7),
            row.GetFieldValue<DateTimeOffset>(8));
}

/// <summary>
/// A batch's payload: its readings in sequence order, one canonical reading per line (the bytes of
/// <c>TelemetryBatchSealed.Readings</c>), written straight into an array of the recorded size. A batch's readings lie
/// within its seq range (late readings may interleave with another batch's: batch_seq filters them), so each batch is one
/// range scan of the primary key, in order; one round trip for all of them.
/// </summary>
internal static class BatchPayloads
{
    public static async Task<byte[][]> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<SealedBatch> batches, CancellationToken ct)
    {
        await using var load = new NpgsqlBatch(connection, transaction);
        foreach (var batch in batches)
        {
            load.BatchCommands.Add(new NpgsqlBatchCommand(
                "SELECT canonical FROM telemetry.readings WHERE machine_id = $1 AND seq BETWEEN $2 AND $3 AND batch_seq = $4 ORDER BY seq")
            {
                Parameters = { new() { Value = batch.MachineId }, new() { Value = batch.FirstSeq }, new() { Value = batch.LastSeq }, new() { Value = batch.BatchSeq } },
            });
        }
        var payloads = new byte[batches.Count][];
        await using var rows = await load.ExecuteReaderAsync(ct);
        for (var i = 0; i < batches.Count; i++)
        {
            var (payload, filled, counted) = (new byte[batches[i].Bytes], 0, 0);
            while (await rows.ReadAsync(ct))
            {
                var length = (int)rows.GetBytes(0, 0, null, 0, 0);
                if (counted++ > 0 && filled < payload.Length) payload[filled++] = (byte)'\n';
                if (filled + length > payload.Length) throw Inconsistent(batches[i]);
                rows.GetBytes(0, 0, payload, filled, length);
                filled += length;
            }
            if (counted != batches[i].Count || filled != batches[i].Bytes) throw Inconsistent(batches[i]);
            payloads[i] = payload;
            await rows.NextResultAsync(ct);
        }
        return payloads;
    }

    private static InvalidOperationException Inconsistent(SealedBatch batch) =>
        new($"Batch {batch.BatchSeq} of machine {batch.MachineId} does not match its readings ({batch.Count} readings, {batch.Bytes} bytes recorded).");
}
