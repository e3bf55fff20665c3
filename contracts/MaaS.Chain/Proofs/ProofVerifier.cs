using System.Globalization;
using System.Text.Json;
using MaaS.Chain.Contracts;
using MaaS.Chain.Contracts.Generated.TelemetryAnchor;
using MaaS.OffChain;
using MaaS.OffChain.Telemetry;
using Nethereum.Contracts;
using Nethereum.Util;
using Nethereum.Web3;

namespace MaaS.Chain.Proofs;

/// <summary>One step of a proof check: its name, whether it held, and what was compared.</summary>
public sealed record ProofCheck(string Name, bool Passed, string Detail);

/// <summary>The outcome of <see cref="ProofVerifier.VerifyAsync"/>: every check in order; verified only if all passed.</summary>
public sealed record ProofVerification(IReadOnlyList<ProofCheck> Checks, long? Head, long? Confirmations)
{
    public bool Verified => Checks.Count > 0 && Checks.All(c => c.Passed);
}

public sealed class ProofVerifierOptions
{
    /// <summary>The TelemetryAnchor address you trust (the consortium's). Without it, the address in the proof is taken as is.</summary>
    public string? ExpectedAnchor { get; init; }

    /// <summary>Fewer confirmations than this fail the check (0: any mined block is enough).</summary>
    public long MinConfirmations { get; init; }
}

/// <summary>
/// Checks a <see cref="ReadingProof"/> against the chain alone: nothing the prover says is trusted except what the hashes
/// and the TelemetryAnchor contract confirm. Reading → leaf hash → batch root (RFC 6962 path); the batch leaf names that
/// root and is proven into the round root; <c>TelemetryAnchor.round(roundId)</c> holds that root with the same batch count
/// and block; the transaction's receipt in that block emitted <c>RoundCommitted(roundId, root)</c> from that contract.
/// </summary>
public static class ProofVerifier
{
    public static async Task<ProofVerification> VerifyAsync(ReadingProof proof, IWeb3 web3, ProofVerifierOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(proof);
        ArgumentNullException.ThrowIfNull(web3);
        options ??= new ProofVerifierOptions();
        var checks = new List<ProofCheck>();
        void Check(string name, bool passed, string detail) => checks.Add(new ProofCheck(name, passed, detail));

        Check("format", proof.Version == ReadingProof.CurrentVersion, $"proof version {proof.Version} (this verifier reads {ReadingProof.CurrentVersion})");

        // 1. The reading is a canonical reading.
        Reading? reading = null;
        try
        {
            reading = Reading.ParseCanonical(proof.ReadingBytes);
            Check("reading", true, $"canonical reading of machine {reading.Machine} seq {reading.Seq} at {reading.Timestamp} ms");
        }
        catch (Exception ex) when (ex is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            Check("reading", false, $"not a canonical reading: {ex.Message}");
        }

        // 2. The reading's leaf hash and path give the batch root.
        var readingLeaf = Merkle.HashLeaf(proof.ReadingBytes);
        var batchRoot = RootOf(proof.ReadingIndex, proof.BatchSize, readingLeaf, proof.BatchPath);
        Check("reading-in-batch", batchRoot is not null && SameHex(batchRoot, proof.BatchRoot),
            batchRoot is null
                ? $"the path does not fit index {proof.ReadingIndex} of a batch of {proof.BatchSize}"
                : $"reading at index {proof.ReadingIndex} of {proof.BatchSize}, leaf hash {Hex(readingLeaf)} → batch root {Hex(batchRoot)}" + Claimed(batchRoot, proof.BatchRoot));

        // 3. The batch leaf is canonical and names that root, that count and that machine.
        var leaf = ParseBatchLeaf(proof.BatchLeafBytes, out var leafProblem);
        if (leaf is null)
        {
            Check("batch-leaf", false, leafProblem!);
        }
        else
        {
            var problems = new List<string>();
            if (batchRoot is null || !SameHex(batchRoot, leaf.Root)) problems.Add($"names root {leaf.Root}, the reading's path gives {(batchRoot is null ? "none" : Hex(batchRoot))}");
            if (leaf.Count != proof.BatchSize) problems.Add($"counts {leaf.Count} readings, the proof's batch has {proof.BatchSize}");
            if (reading is not null && leaf.Machine != reading.Machine) problems.Add($"is machine {leaf.Machine}, the reading is machine {reading.Machine}");
            Check("batch-leaf", problems.Count == 0, problems.Count == 0
                ? $"machine {leaf.Machine} batch {leaf.Batch}: {leaf.Count} readings, root {leaf.Root}, encrypted payload {leaf.Cid}"
                : "the batch leaf " + string.Join("; ", problems));
        }

        // 4. The batch leaf's hash and path give the round root.
        var batchLeafHash = Merkle.HashLeaf(proof.BatchLeafBytes);
        var roundRoot = RootOf(proof.LeafIndex, proof.RoundSize, batchLeafHash, proof.RoundPath);
        Check("batch-in-round", roundRoot is not null && SameHex(roundRoot, proof.RoundRoot),
            roundRoot is null
                ? $"the path does not fit index {proof.LeafIndex} of a round of {proof.RoundSize}"
                : $"batch leaf at index {proof.LeafIndex} of {proof.RoundSize}, leaf hash {Hex(batchLeafHash)} → round root {Hex(roundRoot)}" + Claimed(roundRoot, proof.RoundRoot));

        // 5. The chain: the right chain, the right contract, the round it holds, the transaction that committed it.
        long? head = null;
        long? confirmations = null;
        try
        {
            var chainId = (long)(await web3.Eth.ChainId.SendRequestAsync().WaitAsync(ct)).Value;
            Check("chain", chainId == proof.ChainId, $"node reports chain {chainId}, the proof is for chain {proof.ChainId}");

            var anchorValid = AddressUtil.Current.IsValidEthereumAddressHexFormat(proof.Anchor ?? "");
            var anchorTrusted = options.ExpectedAnchor is null || string.Equals(options.ExpectedAnchor, proof.Anchor, StringComparison.OrdinalIgnoreCase);
            Check("anchor-contract", anchorValid && anchorTrusted, !anchorValid
                ? $"'{proof.Anchor}' is not an address"
                : options.ExpectedAnchor is null
                    ? $"TelemetryAnchor {proof.Anchor} as the proof names it (pass the consortium's address to check it)"
                    : $"TelemetryAnchor {proof.Anchor}, expected {options.ExpectedAnchor}");

            if (anchorValid)
            {
                var anchor = new TelemetryAnchorContract(proof.Anchor!, web3);
                var onChain = proof.RoundId > 0 ? await anchor.RoundAsync((ulong)proof.RoundId, ct) : null;
                if (onChain is null)
                {
                    Check("round-on-chain", false, $"TelemetryAnchor.round({proof.RoundId}) does not exist");
                }
                else
                {
                    var problems = new List<string>();
                    if (roundRoot is null || !onChain.Root.AsSpan().SequenceEqual(roundRoot)) problems.Add($"holds root {Hex(onChain.Root)}, the proof leads to {(roundRoot is null ? "none" : Hex(roundRoot))}");
                    if (onChain.BatchCount != proof.RoundSize) problems.Add($"holds {onChain.BatchCount} batches, the proof's round has {proof.RoundSize}");
                    if (onChain.BlockNumber != proof.Block) problems.Add($"was committed in block {onChain.BlockNumber}, the proof says {proof.Block}");
                    Check("round-on-chain", problems.Count == 0, problems.Count == 0
                        ? $"round {proof.RoundId}: root {Hex(onChain.Root)}, {onChain.BatchCount} batches, block {onChain.BlockNumber}, anchorer {onChain.Anchorer}"
                        : $"round {proof.RoundId} " + string.Join("; ", problems));
                }

                var (committed, detail) = await CommittedByAsync(web3, proof, roundRoot, ct);
                Check("transaction", committed, detail);
            }

            head = (long)(await web3.Eth.Blocks.GetBlockNumber.SendRequestAsync().WaitAsync(ct)).Value;
            confirmations = head - proof.Block;
            Check("confirmations", confirmations >= 0 && confirmations >= options.MinConfirmations,
                $"{confirmations} blocks on top of block {proof.Block} (head {head}){(options.MinConfirmations > 0 ? $", at least {options.MinConfirmations} required" : "")}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Check("chain", false, $"the node could not be asked: {ex.Message}");
        }
        return new ProofVerification(checks, head, confirmations);
    }

    /// <summary>The receipt of the proof's transaction: succeeded, in the proof's block, and it emitted RoundCommitted(roundId, root) from the anchor.</summary>
    private static async Task<(bool, string)> CommittedByAsync(IWeb3 web3, ReadingProof proof, byte[]? roundRoot, CancellationToken ct)
    {
        var receipt = await web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(proof.TransactionHash).WaitAsync(ct);
        if (receipt is null) return (false, $"no receipt for {proof.TransactionHash}");
        var block = (long)receipt.BlockNumber.Value;
        if (receipt.Status?.Value != 1) return (false, $"{proof.TransactionHash} reverted");
        if (block != proof.Block) return (false, $"{proof.TransactionHash} is in block {block}, the proof says {proof.Block}");
        var committed = receipt.DecodeAllEvents<RoundCommittedEventDTO>()
            .Where(e => string.Equals(e.Log.Address, proof.Anchor, StringComparison.OrdinalIgnoreCase))
            .Select(e => e.Event)
            .FirstOrDefault(e => (long)e.RoundId == proof.RoundId);
        if (committed is null) return (false, $"{proof.TransactionHash} emitted no RoundCommitted({proof.RoundId}) from {proof.Anchor}");
        if (roundRoot is null || !committed.Root.AsSpan().SequenceEqual(roundRoot))
            return (false, $"{proof.TransactionHash} committed round {proof.RoundId} with root {Hex(committed.Root)}, not the proof's");
        return (true, $"{proof.TransactionHash} in block {block} emitted RoundCommitted({proof.RoundId}, {Hex(committed.Root)}) from {proof.Anchor}");
    }

    private static byte[]? RootOf(long index, long size, byte[] leafHash, IReadOnlyList<string>? path)
    {
        if (path is null) return null;
        var hashes = new List<byte[]>(path.Count);
        foreach (var p in path)
        {
            if (!TryHash(p, out var hash)) return null;
            hashes.Add(hash);
        }
        return Merkle.RootFromInclusionProof(index, size, leafHash, hashes);
    }

    /// <summary>Parses a canonical batch leaf: accepted only if re-encoding gives exactly the same bytes.</summary>
    private static BatchLeaf? ParseBatchLeaf(byte[] bytes, out string? problem)
    {
        problem = null;
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            var leaf = new BatchLeaf(root.GetProperty("machine").GetGuid(), root.GetProperty("batch").GetInt64(), root.GetProperty("count").GetInt32(),
                root.GetProperty("root").GetString() ?? "", root.GetProperty("cid").GetString() ?? "");
            if (!leaf.Canonical().AsSpan().SequenceEqual(bytes))
            {
                problem = "the batch leaf is not in its canonical encoding";
                return null;
            }
            return leaf;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            problem = $"the batch leaf is not a batch leaf: {ex.Message}";
            return null;
        }
    }

    private static string Claimed(byte[] computed, string? claimed) =>
        SameHex(computed, claimed) ? "" : $"; the proof claims {claimed}";

    private static bool SameHex(byte[] value, string? hex) => TryHash(hex, out var other) && other.AsSpan().SequenceEqual(value);

    private static bool TryHash(string? hex, out byte[] hash)
    {
        hash = [];
        if (hex is null) return false;
        var digits = hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex[2..] : hex;
        if (digits.Length != 2 * Merkle.HashLength || !digits.All(char.IsAsciiHexDigit)) return false;
        hash = Convert.FromHexString(digits);
        return true;
    }

    private static string Hex(byte[] value) => Convert.ToHexStringLower(value);

    /// <summary>Formats a verification as the CLI prints it, one line per check.</summary>
    public static string Describe(ProofVerification verification)
    {
        ArgumentNullException.ThrowIfNull(verification);
        var lines = verification.Checks.Select(c => string.Create(CultureInfo.InvariantCulture, $"{(c.Passed ? "ok  " : "FAIL")} {c.Name,-17} {c.Detail}"));
        return string.Join(Environment.NewLine, lines.Append(verification.Verified ? "proof verified" : "proof verification FAILED"));
    }
}
