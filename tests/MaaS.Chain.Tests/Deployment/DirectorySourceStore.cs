using System.Numerics;
using System.Security.Cryptography;
using MaaS.Chain.Deployment;

namespace MaaS.Chain.Tests.Deployment;

/// <summary>
/// A content-addressed store for the deployer and verifier under test: one file per object, holding its one-chunk
/// UnixFS block, named by its CIDv0, re-hashed on every read. It computes CIDs independently of MaaS.OffChain (this
/// test project does not reference it); <see cref="ContractDeployerTests"/> checks it against the CID compile.mjs
/// computed for <c>publication.json</c>. The CLI plugs the real off-chain store in through the same interface.
/// </summary>
public sealed class DirectorySourceStore : ISourceStore
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    public DirectorySourceStore(string directory)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
    }

    public string Directory { get; }

    public string PathOf(string cid) => Path.Combine(Directory, cid);

    public async Task<StoredSource> PutAsync(ReadOnlyMemory<byte> content, CancellationToken ct = default)
    {
        if (content.Length > 262_144) throw new ArgumentException("more than one chunk", nameof(content));
        var block = Block(content.Span);
        var digest = SHA256.HashData(block);
        var cid = CidOf(digest);
        await File.WriteAllBytesAsync(PathOf(cid), block, ct);
        return new StoredSource(cid, digest);
    }

    public async Task<byte[]> GetAsync(string cid, CancellationToken ct = default)
    {
        var path = PathOf(cid);
        if (!File.Exists(path)) throw new FileNotFoundException($"{cid} is not in the store", path);
        var block = await File.ReadAllBytesAsync(path, ct);
        var actual = CidOf(SHA256.HashData(block));
        if (actual != cid) throw new InvalidDataException($"{cid}: the stored block hashes to {actual}");
        return Content(block);
    }

    public string CidOf(ReadOnlySpan<byte> digest)
    {
        byte[] multihash = [0x12, 0x20, .. digest];
        var n = new BigInteger(multihash, isUnsigned: true, isBigEndian: true);
        var text = "";
        while (n > 0)
        {
            text = Alphabet[(int)(n % 58)] + text;
            n /= 58;
        }
        return text;
    }

    // UnixFS file node, one chunk: 0a varint(len(u)) u, u = 08 02 12 varint(n) data 18 varint(n) (data omitted when empty).
    private static byte[] Block(ReadOnlySpan<byte> data)
    {
        byte[] inner = data.IsEmpty ? [0x08, 0x02, 0x18, 0x00] : [0x08, 0x02, 0x12, .. Varint(data.Length), .. data, 0x18, .. Varint(data.Length)];
        return [0x0a, .. Varint(inner.Length), .. inner];
    }

    private static byte[] Content(byte[] block)
    {
        var (outer, at) = ReadVarint(block, 1);
        if (block[0] != 0x0a || at + outer != block.Length || block[at] != 0x08 || block[at + 1] != 0x02) throw new InvalidDataException("not a UnixFS file block");
        if (block[at + 2] != 0x12) return [];
        var (length, start) = ReadVarint(block, at + 3);
        return block[start..(start + length)];
    }

    private static byte[] Varint(int value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value & 0x7f | 0x80));
            value >>= 7;
        }
        bytes.Add((byte)value);
        return [.. bytes];
    }

    private static (int Value, int Next) ReadVarint(byte[] bytes, int at)
    {
        var value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = bytes[at++];
            value |= (b & 0x7f) << shift;
            if (b < 0x80) return (value, at);
        }
    }
}
