namespace MaaS.Telemetry.Ingesting;

/// <summary>What the clock and the configuration allow for this request.</summary>
internal readonly record struct ReadingLimits(int MaxReadings, long EarliestTimestampMs, long LatestTimestampMs);

/// <summary>The documented shape of the ingest body (the endpoint parses it itself, for speed).</summary>
/// <param name="MachineId">The machine's UUID.</param>
/// <param name="Readings">1..MaxReadingsPerRequest readings with distinct <c>seq</c>.</param>
/// <param name="Signature">EIP-191 signature (0x + 130 hex digits) by the machine's device key over the canonical bytes.</param>
public sealed record ReadingsRequestBody(Guid MachineId, IReadOnlyList<ReadingBody> Readings, string Signature);

/// <param name="Ts">Unix time in milliseconds.</param>
/// <param name="Status">idle, running, malfunctioning or maintenance.</param>
/// <param name="Sensors">Up to 32 integer values in fixed units, named [a-z][a-z0-9_]{0,31}.</param>
public sealed record ReadingBody(long Seq, long Ts, string Status, long Produced, long Rejected, IReadOnlyDictionary<string, long>? Sensors);
