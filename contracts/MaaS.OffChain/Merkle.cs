using System.Buffers;
using System.Security.Cryptography;

namespace MaaS.OffChain;

/// <summary>
/// RFC 6962 (Certificate Transparency) Merkle trees over SHA-256:
/// leaf hash = SHA-256(0x00 ‖ data), node hash = SHA-256(0x01 ‖ left ‖ right), the empty tree's root
/// is SHA-256(""), and a tree of n &gt; 1 leaves splits at the largest power of two smaller than n.
/// </summary>
public static class Merkle
{
    public const int HashLength = 32;

    private const int StackLimit = 1024;

    /// <summary>SHA-256 of the empty string: the root of a tree with no leaves.</summary>
    public static byte[] EmptyRoot() => SHA256.HashData(ReadOnlySpan<byte>.Empty);

    public static byte[] HashLeaf(ReadOnlySpan<byte> data)
    {
        var hash = new byte[HashLength];
        HashLeaf(data, hash);
        return hash;
    }

    public static void HashLeaf(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        byte[]? rented = null;
        var input = data.Length < StackLimit
            ? stackalloc byte[data.Length + 1]
            : (rented = ArrayPool<byte>.Shared.Rent(data.Length + 1)).AsSpan(0, data.Length + 1);
        input[0] = 0x00;
        data.CopyTo(input[1..]);
        SHA256.HashData(input, destination);
        if (rented is not null)
            ArrayPool<byte>.Shared.Return(rented);
    }

    public static byte[] HashNode(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var hash = new byte[HashLength];
        HashNode(left, right, hash);
        return hash;
    }

    public static void HashNode(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        if (left.Length != HashLength || right.Length != HashLength)
            throw new ArgumentException($"Node children are {HashLength}-byte hashes.");
        Span<byte> input = stackalloc byte[1 + (2 * HashLength)];
        input[0] = 0x01;
        left.CopyTo(input[1..]);
        right.CopyTo(input[(1 + HashLength)..]);
        SHA256.HashData(input, destination);
    }

    /// <summary>The root over leaf hashes laid end to end (32 bytes each), with one pooled buffer and no tree kept.</summary>
    public static byte[] ComputeRoot(ReadOnlySpan<byte> concatenatedLeafHashes)
    {
        if (concatenatedLeafHashes.Length % HashLength != 0)
            throw new ArgumentException($"Leaf hashes are {HashLength} bytes each.", nameof(concatenatedLeafHashes));
        var count = concatenatedLeafHashes.Length / HashLength;
        if (count == 0)
            return EmptyRoot();

        var buffer = ArrayPool<byte>.Shared.Rent(concatenatedLeafHashes.Length);
        try
        {
            var level = buffer.AsSpan(0, concatenatedLeafHashes.Length);
            concatenatedLeafHashes.CopyTo(level);
            while (count > 1)
                count = ReduceLevel(level, count, level);
            return level[..HashLength].ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static byte[] ComputeRoot(IReadOnlyList<byte[]> leafHashes)
    {
        ArgumentNullException.ThrowIfNull(leafHashes);
        var flat = new byte[leafHashes.Count * HashLength];
        for (var i = 0; i < leafHashes.Count; i++)
        {
            if (leafHashes[i].Length != HashLength)
                throw new ArgumentException($"Leaf hash {i} is {leafHashes[i].Length} bytes, not {HashLength}.", nameof(leafHashes));
            leafHashes[i].CopyTo(flat, i * HashLength);
        }
        return ComputeRoot(flat);
    }

    /// <summary>
    /// One level up: pairs (0,1), (2,3), … are hashed; an odd last node moves up unchanged. Applied until
    /// one node is left, this gives RFC 6962's MTH: the left subtree at every split is the largest perfect
    /// tree of 2^k &lt; n leaves, which is exactly what left-to-right pairing builds first; the leftover right
    /// part is the tree of the remaining leaves, built the same way. <paramref name="next"/> may alias
    /// <paramref name="level"/>: node i is written after nodes 2i and 2i+1 are read.
    /// </summary>
    internal static int ReduceLevel(ReadOnlySpan<byte> level, int count, Span<byte> next)
    {
        var pairs = count / 2;
        for (var i = 0; i < pairs; i++)
        {
            HashNode(
                level.Slice(2 * i * HashLength, HashLength),
                level.Slice(((2 * i) + 1) * HashLength, HashLength),
                next.Slice(i * HashLength, HashLength));
        }
        if (count % 2 == 1)
            level.Slice((count - 1) * HashLength, HashLength).CopyTo(next.Slice(pairs * HashLength, HashLength));
        return pairs + (count % 2);
    }

    /// <summary>
    /// RFC 9162 §2.1.3.2: the root that an inclusion proof (audit path, leaf to root) implies for the leaf at
    /// <paramref name="leafIndex"/> of a tree of <paramref name="treeSize"/> leaves, or null if the path cannot
    /// belong to a tree of that size (wrong length, index out of range, malformed hashes).
    /// </summary>
    public static byte[]? RootFromInclusionProof(long leafIndex, long treeSize, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (leafIndex < 0 || treeSize <= 0 || leafIndex >= treeSize || leafHash.Length != HashLength)
            return null;

        var fn = leafIndex;
        var sn = treeSize - 1;
        var r = leafHash.ToArray();
        foreach (var p in path)
        {
            if (sn == 0 || p is null || p.Length != HashLength)
                return null;
            if ((fn & 1) == 1 || fn == sn)
            {
                HashNode(p, r, r);
                if ((fn & 1) == 0)
                {
                    // A left child with no right sibling: it was carried up unchanged; skip those levels.
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                HashNode(r, p, r);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 ? r : null;
    }

    /// <summary>True when the path leads from <paramref name="leafHash"/> to <paramref name="root"/> (a root you trust, e.g. from the chain).</summary>
    public static bool VerifyInclusion(long leafIndex, long treeSize, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> path, ReadOnlySpan<byte> root)
    {
        var computed = RootFromInclusionProof(leafIndex, treeSize, leafHash, path);
        return computed is not null && root.Length == HashLength && computed.AsSpan().SequenceEqual(root);
    }
}
