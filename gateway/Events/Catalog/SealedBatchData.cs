using System.Security.Cryptography;
using MaaS.Contracts.Telemetry;

namespace MaaS.Gateway.Events.Catalog;

/// <summary>
/// The data of a <c>services.maas.telemetry.batch-sealed.v1</c> event: the batch without its readings, which a partner
/// fetches from <see cref="Readings"/> (one canonical reading per line) and checks against <see cref="ReadingsSha256"/>.
/// A batch carries up to a quarter of a megabyte of readings: recording, storing and delivering that with every event cost
/// the gateway and its database about a third of a core at 50,000 readings/s, and every webhook receiver as much again.
/// </summary>
/// <param name="Readings">The gateway path of the batch's readings (same authorisation as the event: OEM, customer, operator).</param>
/// <param name="ReadingsBytes">The length of the readings document.</param>
/// <param name="ReadingsSha256">Lower-case hex SHA-256 of the readings document.</param>
public sealed record SealedBatchData(
    Guid MachineId, long BatchSeq, long FirstSeq, long LastSeq, int Count, long FirstTimestampMs, long LastTimestampMs, DateTimeOffset SealedAt,
    string Readings, int ReadingsBytes, string ReadingsSha256)
{
    public static SealedBatchData Of(TelemetryBatchSealed batch) => new(
        batch.MachineId, batch.BatchSeq, batch.FirstSeq, batch.LastSeq, batch.Count, batch.FirstTimestampMs, batch.LastTimestampMs, batch.SealedAt,
        $"/api/telemetry/machines/{batch.MachineId:D}/batches/{batch.BatchSeq}/readings", batch.Readings.Length,
        Convert.ToHexStringLower(SHA256.HashData(batch.Readings)));
}
