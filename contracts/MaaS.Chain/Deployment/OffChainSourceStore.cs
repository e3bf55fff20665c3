using MaaS.OffChain;

namespace MaaS.Chain.Deployment;

/// <summary>Contract sources published to the off-chain store (embedded or Kubo): CIDv0 names, re-hashed on every read.</summary>
public sealed class OffChainSourceStore(IOffChainStore store) : ISourceStore
{
    public int MaxObjectLength => UnixFsBlock.MaxContentLength;

    public async Task<StoredSource> PutAsync(ReadOnlyMemory<byte> content, CancellationToken ct = default)
    {
        var cid = await store.PutAsync(content, ct);
        return new StoredSource(cid.V0, cid.ToDigestBytes());
    }

    public Task<byte[]> GetAsync(string cid, CancellationToken ct = default) => store.GetAsync(Cid.Parse(cid), ct);

    public string CidOf(ReadOnlySpan<byte> digest) => Cid.FromDigest(digest).V0;
}
