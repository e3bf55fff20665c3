using System.Buffers;
using System.Text.Json;
using MaaS.OffChain.Telemetry;

namespace MaaS.OffChain.Invoicing;

/// <summary>
/// One anchored telemetry batch as an invoice names it: its leaf (machine, batch, count, root, CID), where that leaf sits in
/// its anchoring round (round id, leaf index, round size, audit path, round root), the round's block and block time
/// (Unix seconds, from the chain) and transaction.
/// </summary>
public sealed record BatchAnchor(
    Guid Machine, long Batch, int Count, string Root, string Cid, long RoundId, int LeafIndex, int RoundSize, IReadOnlyList<string> RoundPath,
    string RoundRoot, long Block, long BlockTime, string TransactionHash)
{
    public BatchLeaf Leaf => new(Machine, Batch, Count, Root, Cid);

    /// <summary>Whether the batch leaf hashes along <see cref="RoundPath"/> to <see cref="RoundRoot"/> (the chain check of the root is the caller's).</summary>
    public bool LeafIsInRound()
    {
        if (RoundPath.Any(p => p.Length != 64 || !p.All(Uri.IsHexDigit))) return false;
        var path = RoundPath.Select(Convert.FromHexString).ToList();
        return RoundRoot.Length == 64 && RoundRoot.All(Uri.IsHexDigit)
            && Merkle.VerifyInclusion(LeafIndex, RoundSize, Merkle.HashLeaf(Leaf.Canonical()), path, Convert.FromHexString(RoundRoot));
    }
}

/// <summary>An anchored batch with its decrypted readings, already checked against <see cref="BatchAnchor.Root"/>.</summary>
public sealed record AnchoredReadings(BatchAnchor Anchor, IReadOnlyList<Reading> Readings)
{
    /// <summary>Parses the batch's JSON lines and checks that their RFC 6962 root is the anchored batch root.</summary>
    public static AnchoredReadings FromLines(BatchAnchor anchor, ReadOnlySpan<byte> lines)
    {
        var items = ReadingBatchEncoding.SplitLines(lines);
        var root = MerkleTree.FromLeafData(items).RootHex;
        if (root != anchor.Root) throw new InvalidDataException($"Batch {anchor.Batch} of machine {anchor.Machine}: its readings hash to {root}, not the anchored root {anchor.Root}.");
        var readings = items.Select(r => Reading.ParseCanonical(r)).ToList();
        if (items.Count != anchor.Count) throw new InvalidDataException($"Batch {anchor.Batch}: {items.Count} readings, the anchored leaf counts {anchor.Count}.");
        if (readings.Any(r => r.Machine != anchor.Machine)) throw new InvalidDataException($"Batch {anchor.Batch} holds readings of another machine.");
        return new AnchoredReadings(anchor, readings);
    }
}

/// <summary>The readings of one batch an invoice bills: the batch's anchor and the sequence numbers used, as closed ranges.</summary>
public sealed record InvoiceInput(BatchAnchor Anchor, IReadOnlyList<(long First, long Last)> Seqs)
{
    public byte[] Canonical()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            Write(json);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public void Write(Utf8JsonWriter json)
    {
        var a = Anchor;
        json.WriteStartObject();
        json.WriteString("machine", a.Machine.ToString("D"));
        json.WriteNumber("batch", a.Batch);
        json.WriteNumber("count", a.Count);
        json.WriteString("root", a.Root);
        json.WriteString("cid", a.Cid);
        json.WriteNumber("round", a.RoundId);
        json.WriteNumber("leafIndex", a.LeafIndex);
        json.WriteNumber("roundSize", a.RoundSize);
        json.WriteStartArray("roundPath");
        foreach (var p in a.RoundPath) json.WriteStringValue(p);
        json.WriteEndArray();
        json.WriteString("roundRoot", a.RoundRoot);
        json.WriteNumber("block", a.Block);
        json.WriteNumber("blockTime", a.BlockTime);
        json.WriteString("tx", a.TransactionHash);
        json.WriteStartArray("seqs");
        foreach (var (first, last) in Seqs)
        {
            json.WriteStartArray();
            json.WriteNumberValue(first);
            json.WriteNumberValue(last);
            json.WriteEndArray();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Every sequence number the ranges cover.</summary>
    public IEnumerable<long> AllSeqs() => Seqs.SelectMany(r => Enumerable.Range(0, checked((int)(r.Last - r.First + 1))).Select(i => r.First + i));

    /// <summary>Sorted sequence numbers as closed ranges of consecutive numbers.</summary>
    public static IReadOnlyList<(long First, long Last)> Ranges(IEnumerable<long> seqs)
    {
        var ranges = new List<(long First, long Last)>();
        foreach (var seq in seqs.Distinct().Order())
        {
            if (ranges.Count > 0 && ranges[^1].Last + 1 == seq) ranges[^1] = (ranges[^1].First, seq);
            else ranges.Add((seq, seq));
        }
        return ranges;
    }

    /// <summary>The RFC 6962 root over the inputs' canonical bytes, in order; SHA-256 of nothing when there are none.</summary>
    public static string RootOf(IReadOnlyList<InvoiceInput> inputs) =>
        inputs.Count == 0 ? Convert.ToHexStringLower(Merkle.EmptyRoot()) : MerkleTree.FromLeafData(inputs.Select(i => i.Canonical()).ToList()).RootHex;
}
