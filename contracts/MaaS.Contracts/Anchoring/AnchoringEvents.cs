namespace MaaS.Contracts.Anchoring;

/// <summary>
/// A telemetry batch is anchored on chain and the round's transaction is final. The proof of the batch: its leaf
/// (machine, batch, count, root, CID) is leaf <paramref name="LeafIndex"/> of <paramref name="RoundSize"/> in round
/// <paramref name="RoundId"/>'s RFC 6962 tree, whose root the TelemetryAnchor contract holds; <paramref name="RoundPath"/>
/// is the audit path (hex). Published once per batch.
/// </summary>
public sealed record TelemetryBatchAnchored(
    Guid MachineId, long BatchSeq, long FirstSeq, long LastSeq, int Count, string BatchRoot, string Cid,
    long RoundId, int LeafIndex, int RoundSize, IReadOnlyList<string> RoundPath, string RoundRoot,
    string TransactionHash, long Block, DateTimeOffset At);
