namespace MaaS.Gateway.Events.Streaming;

/// <summary>
/// The recorded events after a client's <c>Last-Event-ID</c>, for an SSE stream that resumes. The audience was fixed
/// when each event was recorded, so a replay shows exactly what the live stream showed, or would have.
/// </summary>
public static class EventReplay
{
    private const int Page = 500;

    /// <param name="Account">The caller's account (lower case); null for the operator, who sees every event.</param>
    public sealed record Filter(string? Account, string[]? Types, Guid? MachineId);

    /// <summary>Sends every event after <paramref name="lastEventId"/> that passes the filter, in record order; false when that id is not held.</summary>
    public static async Task<bool> ReplayAsync(EventsDatabase db, string lastEventId, Filter filter, Func<BroadcastEvent, Task> send, CancellationToken ct)
    {
        long after;
        await using (var find = db.Source.CreateCommand("SELECT seq FROM gateway.events WHERE id = $1"))
        {
            find.Parameters.AddWithValue(lastEventId);
            if (await find.ExecuteScalarAsync(ct) is not long seq) return false;
            after = seq;
        }
        while (true)
        {
            var page = await PageAsync(db, after, filter, ct);
            foreach (var e in page) await send(e);
            if (page.Count < Page) return true;
            after = page[^1].Seq;
        }
    }

    private static async Task<List<BroadcastEvent>> PageAsync(EventsDatabase db, long after, Filter filter, CancellationToken ct)
    {
        await using var command = db.Source.CreateCommand($"""
            SELECT {BroadcastEvent.Columns} FROM gateway.events
            WHERE seq > $1 AND ($2::text IS NULL OR $2 = ANY (audience)) AND ($3::text[] IS NULL OR type = ANY ($3)) AND ($4::uuid IS NULL OR machine_id = $4)
            ORDER BY seq LIMIT $5
            """);
        command.Parameters.AddWithValue(after);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = (object?)filter.Account ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = (object?)filter.Types ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = (object?)filter.MachineId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.AddWithValue(Page);
        await using var r = await command.ExecuteReaderAsync(ct);
        var page = new List<BroadcastEvent>();
        while (await r.ReadAsync(ct)) page.Add(BroadcastEvent.Read(r));
        return page;
    }
}
