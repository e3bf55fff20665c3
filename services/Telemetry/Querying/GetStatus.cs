using System.Text.Json;
using MaaS.OffChain.Telemetry;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using MaaS.Telemetry.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace MaaS.Telemetry.Querying;

/// <param name="LastReading">The reading with the highest sequence number, as its canonical JSON.</param>
/// <param name="LastSeenAt">When the last new reading arrived (server clock): the heartbeat gap detection watches.</param>
public sealed record MachineTelemetryStatus(
    Guid MachineId, bool Executing, string? Device, long? TelemetryIntervalMs, long ReadingCount, long? LastSeq, string? Status,
    long? LastReadingAtMs, DateTimeOffset? LastSeenAt, JsonElement? LastReading, TelemetryGap Gap, TelemetryBatches Batches);

public sealed record TelemetryGap(bool Open, DateTimeOffset? Since);

/// <param name="Sealed">Batches sealed so far (numbered 1..Sealed).</param>
/// <param name="OpenReadings">Readings waiting in the open batch, sealed by size or age.</param>
public sealed record TelemetryBatches(long Sealed, int OpenReadings);

/// <summary><c>GET /api/telemetry/machines/{id}/status</c>: last reading, status, last seen, gap state, batches.</summary>
public static class GetStatus
{
    public static RouteGroupBuilder MapGetStatus(this RouteGroupBuilder telemetry)
    {
        telemetry.MapGet("/machines/{machineId:guid}/status", Get).RequireAuthorization(Policies.Member).ProducesProblem(StatusCodes.Status404NotFound);
        return telemetry;
    }

    private static async Task<Ok<MachineTelemetryStatus>> Get(Guid machineId, HttpContext http, TelemetryDatabase database, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = new NpgsqlCommand("""
            SELECT m.oem, m.customer, m.device, m.interval_ms, m.executing, m.reading_count, m.max_seq, m.last_status, m.last_ts, m.last_received_at,
                   m.gap_open, m.gap_since, m.open_batch, m.open_count,
                   (SELECT r.canonical FROM telemetry.readings r WHERE r.machine_id = m.machine_id AND r.seq = m.max_seq)
            FROM telemetry.machines m WHERE m.machine_id = $1
            """, connection) { Parameters = { new() { Value = machineId } } };
        await using var row = await command.ExecuteReaderAsync(ct);
        if (!await row.ReadAsync(ct)) throw DomainException.NotFound("Machine", machineId);
        MachineAccess.Demand(http.Member(), machineId, Text(row, 0), Text(row, 1));
        var count = row.GetInt64(5);
        JsonElement? last = row.IsDBNull(14) ? null : JsonDocument.Parse(row.GetFieldValue<byte[]>(14)).RootElement.Clone();
        return TypedResults.Ok(new MachineTelemetryStatus(
            machineId, row.GetBoolean(4), Text(row, 2), row.IsDBNull(3) ? null : row.GetInt64(3), count,
            count == 0 ? null : row.GetInt64(6), row.IsDBNull(7) ? null : Reading.StatusName((ReadingStatus)row.GetInt16(7)),
            row.IsDBNull(8) ? null : row.GetInt64(8), row.IsDBNull(9) ? null : row.GetFieldValue<DateTimeOffset>(9), last,
            new TelemetryGap(row.GetBoolean(10), row.IsDBNull(11) ? null : row.GetFieldValue<DateTimeOffset>(11)),
            new TelemetryBatches(row.GetInt64(12) - 1, row.GetInt32(13))));
    }

    private static string? Text(NpgsqlDataReader row, int ordinal) => row.IsDBNull(ordinal) ? null : row.GetString(ordinal);
}
