using System.Buffers;
using System.Globalization;
using System.Text.Json;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using MaaS.Telemetry.Storage;
using Npgsql;

namespace MaaS.Telemetry.Querying;

/// <summary>
/// <c>GET /api/telemetry/machines/{id}/readings?from=&amp;to=&amp;pageSize=&amp;after=</c>: the readings with
/// <c>from ≤ ts &lt; to</c>, in sequence order (newest last), <c>pageSize</c> at a time (default 500, at most 5,000) after
/// sequence number <c>after</c>. Each reading is returned as its stored canonical bytes — the very bytes that were signed,
/// sealed and anchored. <c>next</c> is the link to the following page, or null on the last one.
/// </summary>
public static class GetReadings
{
    public const int DefaultPageSize = 500;
    public const int MaxPageSize = 5_000;

    public static RouteGroupBuilder MapGetReadings(this RouteGroupBuilder telemetry)
    {
        telemetry.MapGet("/machines/{machineId:guid}/readings", Get).RequireAuthorization(Policies.Member)
            .Produces<ReadingsPage>(contentType: "application/json").ProducesProblem(StatusCodes.Status404NotFound);
        return telemetry;
    }

    private static async Task<IResult> Get(Guid machineId, string? from, string? to, int? pageSize, long? after, HttpContext http, TelemetryDatabase database, CancellationToken ct)
    {
        var size = pageSize ?? DefaultPageSize;
        if (size is < 1 or > MaxPageSize) throw new DomainException(StatusCodes.Status400BadRequest, "validation", $"pageSize is 1..{MaxPageSize}.");
        var (fromMs, toMs) = (MachineAccess.ParseTime(from, "from") ?? long.MinValue, MachineAccess.ParseTime(to, "to") ?? long.MaxValue);
        var afterSeq = after ?? 0;

        await using var connection = await database.OpenAsync(ct);
        await MachineAccess.DemandAsync(connection, http.Member(), machineId, ct);

        // With a window, the time index narrows the scan to the seq range of its minutes (see ReadingMinutes).
        var (firstMinute, lastMinute) = ReadingMinutes.Window(fromMs, toMs);
        await using var query = new NpgsqlCommand(from is null && to is null
            ? "SELECT seq, canonical FROM telemetry.readings WHERE machine_id = $1 AND seq > $2 ORDER BY seq LIMIT $5"
            : """
              WITH span AS (SELECT min(min_seq) AS lo, max(max_seq) AS hi FROM telemetry.reading_minutes WHERE machine_id = $1 AND minute BETWEEN $6 AND $7)
              SELECT r.seq, r.canonical FROM span JOIN telemetry.readings r ON r.machine_id = $1 AND r.seq BETWEEN greatest(span.lo, $2 + 1) AND span.hi
              WHERE r.ts >= $3 AND r.ts < $4 ORDER BY r.seq LIMIT $5
              """, connection)
        {
            Parameters =
            {
                new() { Value = machineId }, new() { Value = afterSeq }, new() { Value = fromMs }, new() { Value = toMs }, new() { Value = size + 1 },
                new() { Value = firstMinute }, new() { Value = lastMinute },
            },
        };
        var output = new ArrayBufferWriter<byte>(4096);
        long? lastSeq = null;
        var more = false;
        await using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            json.WriteString("machineId", machineId);
            json.WriteStartArray("readings");
            await using (var rows = await query.ExecuteReaderAsync(ct))
            {
                var count = 0;
                while (await rows.ReadAsync(ct))
                {
                    if (++count > size)
                    {
                        more = true;
                        break;
                    }
                    lastSeq = rows.GetInt64(0);
                    json.WriteRawValue(rows.GetFieldValue<byte[]>(1), skipInputValidation: true);
                }
            }
            json.WriteEndArray();
            if (lastSeq is { } last) json.WriteNumber("lastSeq", last);
            else json.WriteNull("lastSeq");
            if (more) json.WriteString("next", NextLink(http, machineId, from, to, size, lastSeq!.Value));
            else json.WriteNull("next");
            json.WriteEndObject();
        }
        return TypedResults.Bytes(output.WrittenMemory, "application/json");
    }

    private static string NextLink(HttpContext http, Guid machineId, string? from, string? to, int size, long after)
    {
        var query = new List<string>();
        if (!string.IsNullOrEmpty(from)) query.Add("from=" + Uri.EscapeDataString(from));
        if (!string.IsNullOrEmpty(to)) query.Add("to=" + Uri.EscapeDataString(to));
        query.Add("pageSize=" + size.ToString(CultureInfo.InvariantCulture));
        query.Add("after=" + after.ToString(CultureInfo.InvariantCulture));
        return $"{http.Request.PathBase}/api/telemetry/machines/{machineId}/readings?{string.Join('&', query)}";
    }
}

/// <summary>The documented shape of a page (the endpoint writes the stored canonical bytes as they are).</summary>
public sealed record ReadingsPage(Guid MachineId, IReadOnlyList<JsonElement> Readings, long? LastSeq, string? Next);
