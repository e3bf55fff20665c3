using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MaaS.Contracts.Telemetry;

namespace MaaS.Anchoring.Batches;

// A batch's stream (id = BatchIds.For(machine, batch seq)): stored encrypted, put in a round, anchored at finality.

/// <summary>The batch is encrypted, its blob is in the off-chain store and its data key is wrapped for <paramref name="Recipients"/>.</summary>
public sealed record BatchStored(
    Guid BatchId, Guid MachineId, long BatchSeq, long FirstSeq, long LastSeq, int Count, long FirstTimestampMs, long LastTimestampMs,
    string Root, string Cid, int BlobLength, IReadOnlyList<string> Recipients, IReadOnlyList<string> MissingRecipients, Guid SourceMessageId, DateTimeOffset At);

/// <summary>The batch cannot be anchored as sealed (malformed, or its encrypted form does not fit one off-chain chunk).</summary>
public sealed record BatchRefused(Guid BatchId, Guid MachineId, long BatchSeq, string Reason, Guid SourceMessageId, DateTimeOffset At);

public sealed record BatchAddedToRound(Guid BatchId, Guid RoundKey, int Attempt, int LeafIndex, DateTimeOffset At);

/// <summary>The round's transaction failed for good: the batch waits for the next round.</summary>
public sealed record BatchReleasedFromRound(Guid BatchId, Guid RoundKey, string Reason, DateTimeOffset At);

/// <summary>The round holding the batch is final on chain (published as <c>TelemetryBatchAnchored</c>).</summary>
public sealed record BatchAnchored(
    Guid BatchId, Guid MachineId, long BatchSeq, long FirstSeq, long LastSeq, int Count, string Root, string Cid,
    long RoundId, int LeafIndex, int RoundSize, IReadOnlyList<string> RoundPath, string RoundRoot, string TransactionHash, long Block, DateTimeOffset At);

/// <summary>Every wrapped copy of the data key (and the plaintext copy) was deleted: the payload is unreadable for good.</summary>
public sealed record BatchKeysShredded(Guid BatchId, Guid MachineId, long BatchSeq, string By, int KeysDeleted, DateTimeOffset At);

public enum BatchStatus
{
    Refused,
    Stored,
    InRound,
    Anchored,
}

/// <summary>A batch as its stream says (inline projection).</summary>
public sealed record BatchView(
    Guid Id, Guid MachineId, long BatchSeq, long FirstSeq, long LastSeq, int Count, string? Root, string? Cid, BatchStatus Status, string? RefusedReason,
    IReadOnlyList<string> Recipients, Guid? RoundKey, int? LeafIndex, long? RoundId, string? TransactionHash, long? Block, bool Shredded,
    DateTimeOffset ReceivedAt, DateTimeOffset? AnchoredAt)
{
    public static BatchView Create(BatchStored e) => new(e.BatchId, e.MachineId, e.BatchSeq, e.FirstSeq, e.LastSeq, e.Count, e.Root, e.Cid, BatchStatus.Stored,
        null, e.Recipients, null, null, null, null, null, false, e.At, null);

    public static BatchView Create(BatchRefused e) => new(e.BatchId, e.MachineId, e.BatchSeq, 0, 0, 0, null, null, BatchStatus.Refused, e.Reason, [], null, null,
        null, null, null, false, e.At, null);

    public BatchView Apply(BatchAddedToRound e) => this with { Status = BatchStatus.InRound, RoundKey = e.RoundKey, LeafIndex = e.LeafIndex };

    public BatchView Apply(BatchReleasedFromRound e) => this with { Status = BatchStatus.Stored, RoundKey = null, LeafIndex = null };

    public BatchView Apply(BatchAnchored e) => this with
    {
        Status = BatchStatus.Anchored, RoundId = e.RoundId, LeafIndex = e.LeafIndex, TransactionHash = e.TransactionHash, Block = e.Block, AnchoredAt = e.At,
    };

    public BatchView Apply(BatchKeysShredded e) => this with { Shredded = true };
}

/// <summary>The batch's canonical readings (JSON lines) as sealed: what proofs are cut from. Deleted by crypto-shredding.</summary>
public sealed record BatchReadings(Guid Id, byte[] Lines);

/// <summary>The batch's data key wrapped for one member (<see cref="Encryption.KeyWrap"/>). Id = batch id / account.</summary>
public sealed record WrappedKey(string Id, Guid BatchId, string Account, byte[] Envelope)
{
    public static string IdFor(Guid batchId, string account) => $"{batchId:D}/{account.ToLowerInvariant()}";
}

/// <summary>A sealed batch waiting for its machine's group to be known before it is encrypted.</summary>
public sealed record PendingBatch(Guid Id, TelemetryBatchSealed Batch, Guid SourceMessageId, DateTimeOffset ReceivedAt, string WaitingFor);

public static class BatchIds
{
    /// <summary>Deterministic per (machine, batch seq): a redelivered or replayed batch lands on the same stream.</summary>
    public static Guid For(Guid machine, long batchSeq)
    {
        var hash = SHA256.HashData(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"maas-anchoring-batch:{machine:D}:{batchSeq}")));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
