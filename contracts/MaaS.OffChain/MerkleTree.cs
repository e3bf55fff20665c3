namespace MaaS.OffChain;

/// <summary>
/// An RFC 6962 tree kept in memory so that every leaf's audit path can be read in O(log n).
/// All levels live in one array (at most 2n hashes: 64 MB for a million leaves); building hashes
/// n − 1 nodes and allocates nothing per node.
/// </summary>
public sealed class MerkleTree
{
    private const int H = Merkle.HashLength;

    private readonly byte[] _nodes;
    private readonly int[] _levelStart;
    private readonly int[] _levelCount;
    private readonly byte[] _root;

    private MerkleTree(byte[] nodes, int[] levelStart, int[] levelCount, int size)
    {
        _nodes = nodes;
        _levelStart = levelStart;
        _levelCount = levelCount;
        Size = size;
        _root = size == 0 ? Merkle.EmptyRoot() : Node(levelCount.Length - 1, 0).ToArray();
    }

    /// <summary>The number of leaves.</summary>
    public int Size { get; }

    public ReadOnlySpan<byte> Root => _root;

    public string RootHex => Convert.ToHexStringLower(_root);

    /// <summary>Hashes each item as a leaf (0x00 ‖ data), in order.</summary>
    public static MerkleTree FromLeafData(IReadOnlyList<byte[]> leaves)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        var flat = new byte[checked(leaves.Count * H)];
        for (var i = 0; i < leaves.Count; i++)
            Merkle.HashLeaf(leaves[i], flat.AsSpan(i * H, H));
        return Build(flat, leaves.Count);
    }

    public static MerkleTree FromLeafHashes(IReadOnlyList<byte[]> leafHashes)
    {
        ArgumentNullException.ThrowIfNull(leafHashes);
        var flat = new byte[checked(leafHashes.Count * H)];
        for (var i = 0; i < leafHashes.Count; i++)
        {
            if (leafHashes[i].Length != H)
                throw new ArgumentException($"Leaf hash {i} is {leafHashes[i].Length} bytes, not {H}.", nameof(leafHashes));
            leafHashes[i].CopyTo(flat, i * H);
        }
        return Build(flat, leafHashes.Count);
    }

    /// <summary>Leaf hashes laid end to end, 32 bytes each.</summary>
    public static MerkleTree FromLeafHashes(ReadOnlySpan<byte> concatenatedLeafHashes)
    {
        if (concatenatedLeafHashes.Length % H != 0)
            throw new ArgumentException($"Leaf hashes are {H} bytes each.", nameof(concatenatedLeafHashes));
        return Build(concatenatedLeafHashes.ToArray(), concatenatedLeafHashes.Length / H);
    }

    private static MerkleTree Build(byte[] leafHashes, int size)
    {
        if (size == 0)
            return new MerkleTree([], [], [], 0);

        var counts = new List<int> { size };
        while (counts[^1] > 1)
            counts.Add((counts[^1] + 1) / 2);

        var starts = new int[counts.Count];
        long total = 0;
        for (var k = 0; k < counts.Count; k++)
        {
            starts[k] = checked((int)(total * H));
            total += counts[k];
        }

        var nodes = new byte[checked((int)(total * H))];
        leafHashes.AsSpan().CopyTo(nodes);
        for (var k = 0; k + 1 < counts.Count; k++)
        {
            Merkle.ReduceLevel(
                nodes.AsSpan(starts[k], counts[k] * H),
                counts[k],
                nodes.AsSpan(starts[k + 1], counts[k + 1] * H));
        }
        return new MerkleTree(nodes, starts, [.. counts], size);
    }

    public byte[] GetLeafHash(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Size);
        return Node(0, index).ToArray();
    }

    /// <summary>
    /// RFC 6962 §2.1.1 PATH(index, D[n]): sibling hashes from the leaf up to the root. A node with no
    /// sibling on its level was carried up unchanged, so that level adds nothing to the path.
    /// </summary>
    public IReadOnlyList<byte[]> GetAuditPath(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Size);

        var path = new List<byte[]>(_levelCount.Length);
        for (var k = 0; k + 1 < _levelCount.Length; k++)
        {
            var sibling = index ^ 1;
            if (sibling < _levelCount[k])
                path.Add(Node(k, sibling).ToArray());
            index >>= 1;
        }
        return path;
    }

    public MerkleProof GetProof(int index) => MerkleProof.Create(index, Size, GetLeafHash(index), GetAuditPath(index), _root);

    private ReadOnlySpan<byte> Node(int level, int index) => _nodes.AsSpan(_levelStart[level] + (index * H), H);
}
