namespace MaaS.OffChain;

/// <summary>
/// Content-addressed storage for off-chain objects of one UnixFS chunk each. The CID a store returns
/// is the one <see cref="Cid.Compute"/> gives for the content, and every read is re-hashed: a store
/// never hands back bytes that do not match the CID asked for.
/// </summary>
public interface IOffChainStore
{
    /// <summary>Stores the content (idempotent: the same bytes give the same CID and one object).</summary>
    /// <exception cref="ContentTooLargeException">Over <see cref="UnixFsBlock.MaxContentLength"/> bytes.</exception>
    /// <exception cref="ContentIntegrityException">The backend named a CID other than the computed one.</exception>
    Task<Cid> PutAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <exception cref="ContentNotFoundException">The store does not hold the object.</exception>
    /// <exception cref="ContentIntegrityException">What the store holds does not hash to <paramref name="cid"/>.</exception>
    Task<byte[]> GetAsync(Cid cid, CancellationToken cancellationToken = default);

    /// <summary>Whether this store holds the object locally (no network search, no integrity check).</summary>
    Task<bool> ExistsAsync(Cid cid, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes the object from this store; a no-op when it is not there. Used to crypto-shred wrapped
    /// keys: it removes this store's copy, not copies that other IPFS nodes may have fetched.
    /// </summary>
    Task DeleteAsync(Cid cid, CancellationToken cancellationToken = default);

    /// <summary>Keeps the object from garbage collection.</summary>
    /// <exception cref="ContentNotFoundException">The store does not hold (and could not fetch) the object.</exception>
    Task PinAsync(Cid cid, CancellationToken cancellationToken = default);
}
