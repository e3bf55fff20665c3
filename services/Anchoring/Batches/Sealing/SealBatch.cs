using System.Security.Cryptography;
using JasperFx.Events;
using MaaS.Anchoring.Encryption;
using MaaS.Anchoring.Group;
using MaaS.Contracts.Telemetry;
using MaaS.OffChain;
using MaaS.OffChain.Telemetry;
using Marten;
using Microsoft.Extensions.Options;

namespace MaaS.Anchoring.Batches.Sealing;

public enum SealOutcome
{
    Stored,
    Refused,
    Duplicate,
    Waiting,
}

/// <summary>
/// Turns a sealed batch into its anchorable form: the RFC 6962 root over its readings, the payload encrypted under a fresh
/// data key (<see cref="BatchCipher"/>) and stored off-chain, the data key wrapped for each member of the machine's group
/// (<see cref="KeyWrap"/>). Idempotent by (machine, batch seq): the batch's stream is started once, whoever gets there first.
/// A batch whose group is not known yet waits as a <see cref="PendingBatch"/>.
/// </summary>
public sealed class BatchSealer(
    IDocumentStore store, IOffChainStore offChain, MemberKeyDiscovery discovery, IOptions<AnchoringOptions> options, TimeProvider clock, ILogger<BatchSealer> logger)
{
    public async Task<SealOutcome> SealAsync(TelemetryBatchSealed batch, Guid sourceMessageId, DateTimeOffset receivedAt, CancellationToken ct)
    {
        var id = BatchIds.For(batch.MachineId, batch.BatchSeq);
        await using var session = store.LightweightSession();
        if (await session.Events.FetchStreamStateAsync(id, ct) is not null)
        {
            session.Delete<PendingBatch>(id);
            await session.SaveChangesAsync(ct);
            return SealOutcome.Duplicate;
        }
        var now = clock.GetUtcNow();
        if (Refusal(batch, out var lines) is { } reason)
        {
            logger.LogWarning("Batch {Batch} of machine {Machine} refused: {Reason}", batch.BatchSeq, batch.MachineId, reason);
            session.Events.StartStream<BatchView>(id, new BatchRefused(id, batch.MachineId, batch.BatchSeq, reason, sourceMessageId, now));
            session.Delete<PendingBatch>(id);
            return await TrySaveAsync(session, null, ct) ? SealOutcome.Refused : SealOutcome.Duplicate;
        }

        var group = await GroupDirectory.ResolveAsync(session, batch.MachineId, ct);
        if (group.Missing.Count > 0 && await discovery.DiscoverAsync(group.Missing, ct))
            group = await GroupDirectory.ResolveAsync(session, batch.MachineId, ct);
        var waitedEnough = now - receivedAt >= options.Value.GroupWait;
        if (group.Machine is null || group.Recipients.Count == 0 || (group.Missing.Count > 0 && !waitedEnough))
        {
            var waitingFor = group.Machine is null ? $"machine {batch.MachineId}" : $"public keys of {string.Join(", ", group.Missing)}";
            if (await session.LoadAsync<PendingBatch>(id, ct) is null)
            {
                logger.LogInformation("Batch {Batch} of machine {Machine} waits for the {WaitingFor}", batch.BatchSeq, batch.MachineId, waitingFor);
                session.Store(new PendingBatch(id, batch, sourceMessageId, receivedAt, waitingFor));
                await session.SaveChangesAsync(ct);
            }
            return SealOutcome.Waiting;
        }
        if (group.Missing.Count > 0)
            logger.LogWarning("Batch {Batch} of machine {Machine} waited {Wait} for keys of {Missing}; encrypted without them",
                batch.BatchSeq, batch.MachineId, options.Value.GroupWait, string.Join(", ", group.Missing));

        var root = MerkleTree.FromLeafData(lines).RootHex;
        var dataKey = RandomNumberGenerator.GetBytes(BatchCipher.KeyLength);
        Cid cid;
        try
        {
            var blob = BatchCipher.Encrypt(batch.Readings, dataKey, batch.MachineId, batch.BatchSeq);
            cid = await offChain.PutAsync(blob, ct);
            foreach (var recipient in group.Recipients)
            {
                session.Insert(new WrappedKey(WrappedKey.IdFor(id, recipient.Account), id, recipient.Account,
                    KeyWrap.Wrap(dataKey, recipient.PublicKey, batch.MachineId, batch.BatchSeq, recipient.Account)));
            }
            session.Events.StartStream<BatchView>(id, new BatchStored(id, batch.MachineId, batch.BatchSeq, batch.FirstSeq, batch.LastSeq, batch.Count,
                batch.FirstTimestampMs, batch.LastTimestampMs, root, cid.V0, blob.Length, [.. group.Recipients.Select(r => r.Account)], group.Missing,
                sourceMessageId, now));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
        session.Insert(new BatchReadings(id, batch.Readings));
        session.Delete<PendingBatch>(id);
        return await TrySaveAsync(session, cid, ct) ? SealOutcome.Stored : SealOutcome.Duplicate;
    }

    /// <summary>Saves the new stream; false when another delivery of the same batch stored it first (its blob is then dropped).</summary>
    private async Task<bool> TrySaveAsync(IDocumentSession session, Cid? cid, CancellationToken ct)
    {
        try
        {
            await session.SaveChangesAsync(ct);
            return true;
        }
        catch (Exception ex) when (ex is ExistingStreamIdCollisionException or Marten.Exceptions.ExistingStreamIdCollisionException
            or JasperFx.DocumentAlreadyExistsException)
        {
            // Encrypted under another random key, so its blob differs from the winner's and nobody refers to it.
            if (cid is not null) await offChain.DeleteAsync(cid, ct);
            return false;
        }
    }

    /// <summary>Why the batch cannot be anchored as it is, or null. <paramref name="lines"/> are its canonical readings.</summary>
    public static string? Refusal(TelemetryBatchSealed batch, out IReadOnlyList<byte[]> lines)
    {
        lines = [];
        if (batch.Readings is null || batch.Readings.Length == 0 || batch.Count <= 0) return "empty: a batch holds at least one reading";
        if (batch.Readings.Length > BatchCipher.MaxPayloadLength)
            return $"too-large: {batch.Readings.Length} bytes of readings; encrypted they must fit one {UnixFsBlock.MaxContentLength}-byte chunk (at most {BatchCipher.MaxPayloadLength} bytes)";
        lines = ReadingBatchEncoding.SplitLines(batch.Readings);
        if (lines.Count != batch.Count) return $"count-mismatch: {lines.Count} lines, the batch says {batch.Count}";
        if (!ReadingBatchEncoding.JoinLines(lines).AsSpan().SequenceEqual(batch.Readings)) return "not-canonical: the readings are not joined by single newlines";
        long previous = long.MinValue;
        for (var i = 0; i < lines.Count; i++)
        {
            Reading reading;
            try
            {
                reading = Reading.ParseCanonical(lines[i]);
            }
            catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return $"not-canonical: line {i + 1}: {ex.Message}";
            }
            if (reading.Machine != batch.MachineId) return $"wrong-machine: line {i + 1} is a reading of machine {reading.Machine}";
            if (reading.Seq <= previous) return $"sequence: line {i + 1} (seq {reading.Seq}) does not follow seq {previous}";
            previous = reading.Seq;
            if (i == 0 && reading.Seq != batch.FirstSeq) return $"sequence: the first reading is seq {reading.Seq}, the batch says {batch.FirstSeq}";
        }
        return previous != batch.LastSeq ? $"sequence: the last reading is seq {previous}, the batch says {batch.LastSeq}" : null;
    }
}
