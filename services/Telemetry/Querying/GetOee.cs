using MaaS.OffChain.Telemetry;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using MaaS.Telemetry.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace MaaS.Telemetry.Querying;

/// <summary>
/// <c>GET /api/telemetry/machines/{id}/oee?from=&amp;to=&amp;idealRatePerHour=</c>: availability, performance, quality and
/// OEE in basis points over the window (default: the last 24 hours; a window reaching past now ends now), definitions
/// in <see cref="OeeCalculator"/>. The ideal rate defaults to <c>Telemetry:IdealRatePerHour</c>.
/// </summary>
public static class GetOee
{
    public static RouteGroupBuilder MapGetOee(this RouteGroupBuilder telemetry)
    {
        telemetry.MapGet("/machines/{machineId:guid}/oee", Get).RequireAuthorization(Policies.Member)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        return telemetry;
    }

    private static async Task<Ok<OeeReport>> Get(
        Guid machineId, string? from, string? to, long? idealRatePerHour, HttpContext http, TelemetryDatabase database, TelemetryOptions options, TimeProvider clock,
        CancellationToken ct)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var toMs = Math.Min(MachineAccess.ParseTime(to, "to") ?? now, now);
        var fromMs = MachineAccess.ParseTime(from, "from") ?? toMs - 24 * 3_600_000L;
        if (fromMs >= toMs) throw new DomainException(StatusCodes.Status400BadRequest, "validation", "The window is empty: from must be before to (and before now).");
        var rate = idealRatePerHour ?? options.IdealRatePerHour;
        if (rate <= 0) throw new DomainException(StatusCodes.Status400BadRequest, "validation", "idealRatePerHour is positive.");

        await using var connection = await database.OpenAsync(ct);
        // The machine's parties, the last reading before the window (found in the window's first minute or the latest
        // earlier minute with readings) and the readings in the window, each located through the time index (ReadingMinutes).
        var (firstMinute, lastMinute) = ReadingMinutes.Window(fromMs, toMs);
        await using var command = new NpgsqlCommand("""
            WITH span AS (SELECT min(min_seq) AS lo, max(max_seq) AS hi FROM telemetry.reading_minutes WHERE machine_id = $1 AND minute BETWEEN $4 AND $5),
            earlier AS (SELECT min(min_seq) AS lo, max(max_seq) AS hi FROM (
                SELECT min_seq, max_seq FROM telemetry.reading_minutes WHERE machine_id = $1 AND minute <= $4 ORDER BY minute DESC LIMIT 2) m)
            SELECT oem, customer, NULL::bigint, NULL::bigint, NULL::smallint, NULL::bigint, NULL::bigint FROM telemetry.machines WHERE machine_id = $1
            UNION ALL
            (SELECT NULL, NULL, r.ts, r.seq, r.status, r.produced, r.rejected FROM earlier JOIN telemetry.readings r ON r.machine_id = $1 AND r.seq BETWEEN earlier.lo AND earlier.hi
             WHERE r.ts < $2 ORDER BY r.ts DESC, r.seq DESC LIMIT 1)
            UNION ALL
            (SELECT NULL, NULL, r.ts, r.seq, r.status, r.produced, r.rejected FROM span JOIN telemetry.readings r ON r.machine_id = $1 AND r.seq BETWEEN span.lo AND span.hi
             WHERE r.ts >= $2 AND r.ts < $3)
            """, connection)
        {
            Parameters = { new() { Value = machineId }, new() { Value = fromMs }, new() { Value = toMs }, new() { Value = firstMinute }, new() { Value = lastMinute } },
        };
        var samples = new List<OeeCalculator.Sample>();
        (string? Oem, string? Customer)? parties = null;
        await using (var rows = await command.ExecuteReaderAsync(ct))
        {
            while (await rows.ReadAsync(ct))
            {
                if (rows.IsDBNull(2)) parties = (rows.IsDBNull(0) ? null : rows.GetString(0), rows.IsDBNull(1) ? null : rows.GetString(1));
                else samples.Add(new(rows.GetInt64(2), rows.GetInt64(3), (ReadingStatus)rows.GetInt16(4), rows.GetInt64(5), rows.GetInt64(6)));
            }
        }
        MachineAccess.Demand(http.Member(), machineId, parties?.Oem, parties?.Customer);
        samples.Sort((a, b) => a.Ts != b.Ts ? a.Ts.CompareTo(b.Ts) : a.Seq.CompareTo(b.Seq));
        return TypedResults.Ok(OeeCalculator.Compute(machineId, fromMs, toMs, rate, samples));
    }
}
