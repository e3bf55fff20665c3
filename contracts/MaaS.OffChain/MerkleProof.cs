using System.Text.Json.Serialization;

namespace MaaS.OffChain;

/// <summary>
/// An RFC 6962 inclusion proof in its JSON form. Hashes are lowercase hex without a prefix (what
/// <c>sha256sum</c> prints); <c>path</c> runs from the leaf's sibling up to the root's child.
/// <code>
/// {"leafIndex":5,"treeSize":13,"leafHash":"…64 hex…","path":["…","…"],"root":"…64 hex…"}
/// </code>
/// <see cref="Root"/> is what the tree claimed; a verifier checks against a root it trusts (the chain's).
/// </summary>
public sealed record MerkleProof(
    [property: JsonPropertyName("leafIndex")] long LeafIndex,
    [property: JsonPropertyName("treeSize")] long TreeSize,
    [property: JsonPropertyName("leafHash")] string LeafHash,
    [property: JsonPropertyName("path")] IReadOnlyList<string> Path,
    [property: JsonPropertyName("root")] string Root)
{
    public static MerkleProof Create(long leafIndex, long treeSize, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> path, ReadOnlySpan<byte> root)
    {
        ArgumentNullException.ThrowIfNull(path);
        return new MerkleProof(
            leafIndex,
            treeSize,
            Convert.ToHexStringLower(leafHash),
            [.. path.Select(Convert.ToHexStringLower)],
            Convert.ToHexStringLower(root));
    }

    /// <summary>The root that the leaf hash and path imply (RFC 9162 §2.1.3.2), or null when they cannot fit a tree of <see cref="TreeSize"/>.</summary>
    public byte[]? ComputeRoot()
    {
        if (!TryHash(LeafHash, out var leaf) || Path is null)
            return null;
        var path = new List<byte[]>(Path.Count);
        foreach (var p in Path)
        {
            if (!TryHash(p, out var hash))
                return null;
            path.Add(hash);
        }
        return Merkle.RootFromInclusionProof(LeafIndex, TreeSize, leaf, path);
    }

    /// <summary>True when the proof leads to <paramref name="trustedRoot"/>. The proof's own <see cref="Root"/> is not trusted.</summary>
    public bool Verify(ReadOnlySpan<byte> trustedRoot)
    {
        var computed = ComputeRoot();
        return computed is not null && computed.AsSpan().SequenceEqual(trustedRoot);
    }

    /// <summary>True when <paramref name="leafData"/> is the proven leaf and the proof leads to <paramref name="trustedRoot"/>.</summary>
    public bool Verify(ReadOnlySpan<byte> leafData, ReadOnlySpan<byte> trustedRoot) =>
        TryHash(LeafHash, out var leaf) && Merkle.HashLeaf(leafData).AsSpan().SequenceEqual(leaf) && Verify(trustedRoot);

    private static bool TryHash(string? hex, out byte[] hash)
    {
        hash = [];
        if (hex is null)
            return false;
        var digits = hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex.AsSpan(2) : hex.AsSpan();
        if (digits.Length != 2 * Merkle.HashLength)
            return false;
        hash = new byte[Merkle.HashLength];
        return Convert.FromHexString(digits, hash, out _, out var written) == System.Buffers.OperationStatus.Done && written == Merkle.HashLength;
    }
}
