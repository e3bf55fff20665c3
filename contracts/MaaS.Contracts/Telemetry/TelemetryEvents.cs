namespace MaaS.Contracts.Telemetry;

// Published by the Telemetry service. Never rename: consumers bind to these names.

/// <summary>
/// A machine's readings <paramref name="FirstSeq"/>..<paramref name="LastSeq"/> form batch <paramref name="BatchSeq"/> (numbered
/// from 1 per machine, without gaps). <paramref name="Readings"/> are their canonical bytes in sequence order, one per line.
/// </summary>
public sealed record TelemetryBatchSealed(
    Guid MachineId, long BatchSeq, long FirstSeq, long LastSeq, int Count, long FirstTimestampMs, long LastTimestampMs, byte[] Readings, DateTimeOffset SealedAt);

/// <param name="Reason"><c>malfunctioning</c> (a reading reported it) or <c>stopped</c> (the machine was stopped on chain).</param>
public sealed record MachineFailureDetected(Guid MachineId, string Reason, long? Seq, long TimestampMs, DateTimeOffset DetectedAt);

/// <summary>No reading for more than twice the machine's telemetry interval while it is executing.</summary>
public sealed record TelemetryGapDetected(Guid MachineId, long LastReadingMs, long IntervalMs, DateTimeOffset DetectedAt);

/// <summary>Readings arrive again after a gap.</summary>
public sealed record TelemetryGapEnded(Guid MachineId, long LastReadingBeforeMs, long ResumedAtMs, DateTimeOffset At);

/// <summary>
/// The first reading with status <c>running</c> (by sequence) after a failure episode — a <c>malfunctioning</c> reading or
/// a stop on chain. <paramref name="TimestampMs"/> is the reading's own time; the Maintenance service takes it as the
/// moment the machine ran again.
/// </summary>
public sealed record MachineRunningAgain(Guid MachineId, long Seq, long TimestampMs, DateTimeOffset DetectedAt);
