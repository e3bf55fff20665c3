using System.Security.Cryptography;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using MaaS.Telemetry.Storage;
using Npgsql;

namespace MaaS.Telemetry.Querying;

/// <summary>
/// <c>GET /api/telemetry/machines/{id}/batches/{batchSeq}/readings</c>: a sealed batch's readings exactly as sealed — one
/// canonical reading per line, in sequence order, the bytes of <c>TelemetryBatchSealed.Readings</c> — for the machine's
/// OEM, customer and the operator. Partners' <c>batch-sealed</c> events link here instead of carrying a quarter of a
/// megabyte each; <c>X-MaaS-Readings-Sha256</c> (also in the event) lets them check what they fetched.
/// </summary>
public static class GetBatchReadings
{
    public const string MediaType = "application/x-ndjson";

    public static RouteGroupBuilder MapGetBatchReadings(this RouteGroupBuilder telemetry)
    {
        telemetry.MapGet("/machines/{machineId:guid}/batches/{batchSeq:long}/readings", Get).RequireAuthorization(Policies.Member)
            .WithSummary("A sealed batch's readings, one canonical reading per line")
            .Produces<string>(contentType: MediaType).ProducesProblem(StatusCodes.Status404NotFound);
        return telemetry;
    }

    private static async Task<IResult> Get(Guid machineId, long batchSeq, HttpContext http, TelemetryDatabase database, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await MachineAccess.DemandAsync(connection, http.Member(), machineId, ct);
        SealedBatch? batch = null;
        await using (var find = new NpgsqlCommand($"SELECT {SealedBatch.Columns} FROM telemetry.batches WHERE machine_id = $1 AND batch_seq = $2", connection)
        {
            Parameters = { new() { Value = machineId }, new() { Value = batchSeq } },
        })
        await using (var row = await find.ExecuteReaderAsync(ct))
        {
            if (await row.ReadAsync(ct)) batch = SealedBatch.Read(row);
        }
        if (batch is null) throw DomainException.NotFound("Batch", $"{machineId:D}/{batchSeq}");
        var payload = (await BatchPayloads.LoadAsync(connection, null, [batch], ct))[0];
        http.Response.Headers["X-MaaS-Readings-Sha256"] = Convert.ToHexStringLower(SHA256.HashData(payload));
        return TypedResults.Bytes(payload, MediaType);
    }
}
