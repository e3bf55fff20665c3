namespace MaaS.Chain.Deployment;

/// <summary>
/// Where contract sources are published: a content-addressed store whose objects are one UnixFS chunk each, named by
/// CIDv0 (the sha256 digest of the block goes on chain). The off-chain store of <c>MaaS.OffChain</c> is one behind a
/// three-line adapter; the chain layer needs no more of it than this.
/// </summary>
public interface ISourceStore
{
    /// <summary>Largest object the store keeps in one chunk (256 KiB).</summary>
    int MaxObjectLength => 262_144;

    /// <summary>Stores the bytes (idempotent); returns the CIDv0 and its digest.</summary>
    Task<StoredSource> PutAsync(ReadOnlyMemory<byte> content, CancellationToken ct = default);

    /// <summary>The object named by <paramref name="cid"/> (<c>Qm…</c>), re-hashed: throws when what the store holds does not hash to it.</summary>
    Task<byte[]> GetAsync(string cid, CancellationToken ct = default);

    /// <summary>The CIDv0 whose multihash digest is <paramref name="digest"/> (what the directory stores).</summary>
    string CidOf(ReadOnlySpan<byte> digest);
}

/// <param name="Cid">CIDv0, <c>Qm…</c>.</param>
/// <param name="Digest">The 32-byte sha256 digest inside it.</param>
public sealed record StoredSource(string Cid, byte[] Digest);
