using MaaS.Contracts.Telemetry;
using MaaS.OffChain.Telemetry;
using MaaS.Telemetry.Publishing;

namespace MaaS.Telemetry.Ingesting;

/// <summary>A machine's row as the ingest transaction reads it (locked) and writes it back.</summary>
/// <param name="FailureOpen">A failure episode (malfunctioning reading or stop) has not yet been followed by a running reading.</param>
internal sealed record MachineIngestState(
    string? Device, bool Executing, long MaxSeq, long? LastTs, ReadingStatus? LastStatus, DateTimeOffset? LastReceivedAt, long ReadingCount,
    bool GapOpen, bool FailureReported, OpenBatch Open, bool FailureOpen = false);

/// <summary>The batch that new readings join: numbered per machine from 1, sealed by count, bytes or age.</summary>
internal readonly record struct OpenBatch(long Number, int Count, int Bytes, long MinSeq, long MaxSeq, long MinTs, long MaxTs, DateTimeOffset? Since)
{
    public static OpenBatch Empty(long number) => new(number, 0, 0, 0, 0, 0, 0, null);

    /// <summary>Whether a reading of <paramref name="length"/> canonical bytes still fits (an empty batch takes anything).</summary>
    public bool Fits(int length, SealingOptions sealing) => Count == 0 || (Count < sealing.MaxReadings && Bytes + 1 + length <= sealing.MaxBytes);

    public OpenBatch Add(long seq, long ts, int length, DateTimeOffset now) => Count == 0
        ? new OpenBatch(Number, 1, length, seq, seq, ts, ts, now)
        : new OpenBatch(Number, Count + 1, Bytes + 1 + length, Math.Min(MinSeq, seq), Math.Max(MaxSeq, seq), Math.Min(MinTs, ts), Math.Max(MaxTs, ts), Since);

    public BatchSealed Seal(DateTimeOffset now) => new(Number, MinSeq, MaxSeq, Count, Bytes, MinTs, MaxTs, now);
}

/// <summary>A batch closed by this transaction; <c>Bytes</c> is its payload length (canonical readings joined by '\n').</summary>
internal sealed record BatchSealed(long BatchSeq, long FirstSeq, long LastSeq, int Count, int Bytes, long FirstTs, long LastTs, DateTimeOffset SealedAt);

/// <summary>
/// What storing a request's new readings does to its machine, decided without the database: which batch each reading
/// joins (walking the readings in sequence order), which batches that seals, which failures and gap ends it detects,
/// and the machine's row afterwards.
/// </summary>
internal sealed record IngestPlan(long[] BatchOf, int NewCount, IReadOnlyList<BatchSealed> Sealed, IReadOnlyList<Outbox.Message> Messages, MachineIngestState After)
{
    /// <param name="duplicate">Per request index: already stored.</param>
    public static IngestPlan Decide(Guid machineId, MachineIngestState state, ReadingsRequest request, int[] canonicalLengths, bool[] duplicate,
        SealingOptions sealing, DateTimeOffset now)
    {
        var batchOf = new long[request.Count];
        var sealedBatches = new List<BatchSealed>();
        var messages = new List<Outbox.Message>();
        var open = state.Open;
        var (maxSeq, lastTs, lastStatus, failureOpen) = (state.MaxSeq, state.LastTs, state.LastStatus, state.FailureOpen);
        var newCount = 0;
        long? firstNewTs = null;

        foreach (var i in request.BySeq)
        {
            if (duplicate[i]) continue;
            newCount++;
            var (seq, ts, status) = (request.Seq[i], request.Timestamp[i], request.Status[i]);
            firstNewTs ??= ts;

            if (!open.Fits(canonicalLengths[i], sealing))
            {
                sealedBatches.Add(open.Seal(now));
                open = OpenBatch.Empty(open.Number + 1);
            }
            open = open.Add(seq, ts, canonicalLengths[i], now);
            batchOf[i] = open.Number;
            if (open.Count >= sealing.MaxReadings)
            {
                sealedBatches.Add(open.Seal(now));
                open = OpenBatch.Empty(open.Number + 1);
            }

            // Status transitions are judged along the sequence; a late reading (below the highest seq seen) changes no state.
            if (seq <= maxSeq) continue;
            if (status == ReadingStatus.Malfunctioning && lastStatus != ReadingStatus.Malfunctioning)
                messages.Add(Outbox.Create(machineId, new MachineFailureDetected(machineId, "malfunctioning", seq, ts, now)));
            if (status == ReadingStatus.Running && failureOpen)
                messages.Add(Outbox.Create(machineId, new MachineRunningAgain(machineId, seq, ts, now)));
            failureOpen = status == ReadingStatus.Malfunctioning || (failureOpen && status != ReadingStatus.Running);
            (maxSeq, lastTs, lastStatus) = (seq, ts, status);
        }

        if (newCount > 0 && state.GapOpen)
            messages.Insert(0, Outbox.Create(machineId, new TelemetryGapEnded(machineId, state.LastTs ?? 0, firstNewTs!.Value, now)));
        var after = newCount == 0 ? state : state with
        {
            MaxSeq = maxSeq,
            LastTs = lastTs,
            LastStatus = lastStatus,
            LastReceivedAt = now,
            ReadingCount = state.ReadingCount + newCount,
            GapOpen = false,
            FailureReported = state.FailureReported || messages.Any(m => m.Body is MachineFailureDetected),
            FailureOpen = failureOpen,
            Open = open,
        };
        return new IngestPlan(batchOf, newCount, sealedBatches, messages, after);
    }
}
