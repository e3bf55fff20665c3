namespace MaaS.OffChain;

/// <summary>
/// Off-chain objects as files: each is the UnixFS block itself (so <c>sha256sum</c> of a file is its
/// CID's digest), at <c>&lt;dir&gt;/blocks/&lt;shard&gt;/&lt;cidv1&gt;</c> where the shard is the two characters of
/// the CIDv1 after its constant <c>bafybei</c> prefix (256 shards, set by the digest's first byte).
/// Writes go to <c>&lt;dir&gt;/tmp</c>, are fsynced, then renamed into place, so a crash leaves either the
/// whole object or none (a stray temp file at most). Every read re-hashes the file.
/// </summary>
public sealed class EmbeddedOffChainStore : IOffChainStore
{
    /// <summary>Every CIDv1 of a dag-pb, sha2-256 node starts with these characters.</summary>
    public const string CidV1Prefix = "bafybei";

    private readonly string _blocks;
    private readonly string _temp;

    public EmbeddedOffChainStore(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        DataDirectory = Path.GetFullPath(dataDirectory);
        _blocks = Path.Combine(DataDirectory, "blocks");
        _temp = Path.Combine(DataDirectory, "tmp");
        Directory.CreateDirectory(_blocks);
        Directory.CreateDirectory(_temp);
    }

    public string DataDirectory { get; }

    /// <summary>Where the object with this CID is (or would be) stored.</summary>
    public string PathOf(Cid cid)
    {
        ArgumentNullException.ThrowIfNull(cid);
        return Path.Combine(_blocks, cid.V1.Substring(CidV1Prefix.Length, 2), cid.V1);
    }

    public async Task<Cid> PutAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var block = UnixFsBlock.Encode(content.Span);
        var cid = Cid.FromBlock(block);
        var path = PathOf(cid);

        // Idempotent; a damaged copy is replaced rather than kept.
        if (await ReadIntactBlockAsync(path, cid, cancellationToken) is not null)
            return cid;

        var shard = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(shard))
        {
            Directory.CreateDirectory(shard);
            DirectorySync.Flush(_blocks);
        }

        var temp = Path.Combine(_temp, $"{cid.V1}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0 };
            await using (var file = new FileStream(temp, options))
            {
                await file.WriteAsync(block, cancellationToken);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
            DirectorySync.Flush(shard);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        return cid;
    }

    public async Task<byte[]> GetAsync(Cid cid, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cid);
        var block = await ReadBlockAsync(PathOf(cid), cancellationToken) ?? throw new ContentNotFoundException(cid);

        if (block.Length > UnixFsBlock.MaxBlockLength)
            throw new ContentIntegrityException(cid, null, $"the stored file is {block.Length:N0} bytes, more than any one-chunk block");
        var actual = Cid.FromBlock(block);
        if (actual != cid)
            throw new ContentIntegrityException(cid, actual.V0, "the stored file does not hash to its name");
        if (!UnixFsBlock.TryDecode(block, out var content))
            throw new ContentIntegrityException(cid, null, "the stored block is not a one-chunk UnixFS file");
        return content;
    }

    public Task<bool> ExistsAsync(Cid cid, CancellationToken cancellationToken = default) =>
        Task.FromResult(File.Exists(PathOf(cid)));

    public Task DeleteAsync(Cid cid, CancellationToken cancellationToken = default)
    {
        var path = PathOf(cid);
        if (File.Exists(path))
        {
            File.Delete(path);
            DirectorySync.Flush(Path.GetDirectoryName(path)!);
        }
        return Task.CompletedTask;
    }

    /// <summary>Nothing is ever collected here, so pinning only checks that the object is held.</summary>
    public Task PinAsync(Cid cid, CancellationToken cancellationToken = default) =>
        File.Exists(PathOf(cid)) ? Task.CompletedTask : throw new ContentNotFoundException(cid);

    private static async Task<byte[]?> ReadIntactBlockAsync(string path, Cid cid, CancellationToken cancellationToken)
    {
        var block = await ReadBlockAsync(path, cancellationToken);
        return block is not null && block.Length <= UnixFsBlock.MaxBlockLength && Cid.FromBlock(block) == cid ? block : null;
    }

    /// <summary>The file's bytes (at most one byte past the largest block, so an oversized file is seen without reading it all), or null when there is no file.</summary>
    private static async Task<byte[]?> ReadBlockAsync(string path, CancellationToken cancellationToken)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        await using (file)
        {
            var buffer = new byte[Math.Min(file.Length, UnixFsBlock.MaxBlockLength + 1)];
            await file.ReadExactlyAsync(buffer, cancellationToken);
            return buffer;
        }
    }
}
