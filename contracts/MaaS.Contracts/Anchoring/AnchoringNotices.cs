namespace MaaS.Contracts.Anchoring;

/// <summary>
/// A sealed batch cannot be anchored as it is; <paramref name="Reason"/> starts with a code: <c>empty</c>, <c>count-mismatch</c>,
/// <c>too-large</c> (encrypted it would not fit one 262,144-byte off-chain chunk), <c>not-canonical</c>, <c>wrong-machine</c>,
/// <c>sequence</c>. Published once per batch.
/// </summary>
public sealed record TelemetryBatchRefused(Guid MachineId, long BatchSeq, string Reason, DateTimeOffset At);

/// <summary>
/// The machine's OEM or customer (<paramref name="By"/>) deleted every wrapped key of the batch: its payload cannot be decrypted
/// any more, while its anchor and proofs stay valid. Services keeping plaintext copies of these readings may delete them too.
/// </summary>
public sealed record TelemetryBatchShredded(Guid MachineId, long BatchSeq, string By, DateTimeOffset At);
