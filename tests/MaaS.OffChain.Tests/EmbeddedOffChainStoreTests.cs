using System.Security.Cryptography;

namespace MaaS.OffChain.Tests;

public sealed class EmbeddedOffChainStoreTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("maas-offchain-");
    private readonly EmbeddedOffChainStore _store;

    public EmbeddedOffChainStoreTests() => _store = new EmbeddedOffChainStore(_directory.FullName);

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Put_ThenGet_ReturnsTheContent_UnderItsIpfsCid()
    {
        var content = RandomNumberGenerator.GetBytes(1000);

        var cid = await _store.PutAsync(content);

        cid.ShouldBe(Cid.Compute(content));
        (await _store.GetAsync(cid)).ShouldBe(content);
        (await _store.ExistsAsync(cid)).ShouldBeTrue();
    }

    [Fact]
    public async Task Put_StoresTheUnixFsBlock_AtTheDocumentedPath()
    {
        var cid = await _store.PutAsync("hello"u8.ToArray());

        var path = Path.Combine(_directory.FullName, "blocks", "d3", "bafybeid3weurg3gvyoi7nisadzolomlvoxoppe2sesktnpvdve3256n5tq");
        _store.PathOf(cid).ShouldBe(path);
        var stored = await File.ReadAllBytesAsync(path);
        stored.ShouldBe(UnixFsBlock.Encode("hello"u8));
        // `sha256sum` of the stored file is the CID's digest, the bytes32 that goes on chain.
        Convert.ToHexStringLower(SHA256.HashData(stored)).ShouldBe(cid.DigestHex);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(262_144)]
    public async Task Put_ThenGet_AtTheSizeLimits(int size)
    {
        var content = RandomNumberGenerator.GetBytes(size);
        var cid = await _store.PutAsync(content);
        (await _store.GetAsync(cid)).ShouldBe(content);
    }

    [Fact]
    public async Task Put_OverOneChunk_IsRefused_AndWritesNothing()
    {
        await Should.ThrowAsync<ContentTooLargeException>(() => _store.PutAsync(new byte[262_145]));
        Directory.EnumerateFiles(_directory.FullName, "*", SearchOption.AllDirectories).ShouldBeEmpty();
    }

    [Fact]
    public async Task Put_IsIdempotent_OneFile_NoTempLeftOver()
    {
        var content = RandomNumberGenerator.GetBytes(5000);

        var first = await _store.PutAsync(content);
        var second = await _store.PutAsync(content);
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => _store.PutAsync(content)));

        second.ShouldBe(first);
        concurrent.ShouldAllBe(c => c == first);
        Directory.EnumerateFiles(Path.Combine(_directory.FullName, "blocks"), "*", SearchOption.AllDirectories)
            .ShouldHaveSingleItem().ShouldBe(_store.PathOf(first));
        Directory.EnumerateFiles(Path.Combine(_directory.FullName, "tmp")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Get_AfterAByteOfTheFileIsFlipped_RefusesWithIntegrityException()
    {
        var content = RandomNumberGenerator.GetBytes(300);
        var cid = await _store.PutAsync(content);
        var path = _store.PathOf(cid);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[^10] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes);

        var e = await Should.ThrowAsync<ContentIntegrityException>(() => _store.GetAsync(cid));
        e.Expected.ShouldBe(cid);
        e.Actual.ShouldBe(Cid.FromBlock(bytes).V0);
    }

    [Fact]
    public async Task Get_WhenTheFileIsTruncatedOrOversized_RefusesWithIntegrityException()
    {
        var cid = await _store.PutAsync(RandomNumberGenerator.GetBytes(300));
        var path = _store.PathOf(cid);

        await File.WriteAllBytesAsync(path, (await File.ReadAllBytesAsync(path))[..100]);
        await Should.ThrowAsync<ContentIntegrityException>(() => _store.GetAsync(cid));

        await File.WriteAllBytesAsync(path, new byte[UnixFsBlock.MaxBlockLength + 5000]);
        await Should.ThrowAsync<ContentIntegrityException>(() => _store.GetAsync(cid));
    }

    [Fact]
    public async Task Put_AfterTampering_RepairsTheObject()
    {
        var content = RandomNumberGenerator.GetBytes(300);
        var cid = await _store.PutAsync(content);
        await File.WriteAllBytesAsync(_store.PathOf(cid), [1, 2, 3]);

        (await _store.PutAsync(content)).ShouldBe(cid);

        (await _store.GetAsync(cid)).ShouldBe(content);
    }

    [Fact]
    public async Task Get_Missing_ThrowsContentNotFound()
    {
        var cid = Cid.Compute("never stored"u8);

        var e = await Should.ThrowAsync<ContentNotFoundException>(() => _store.GetAsync(cid));
        e.Cid.ShouldBe(cid);
        (await _store.ExistsAsync(cid)).ShouldBeFalse();
    }

    [Fact]
    public async Task Delete_RemovesTheObject_AndIsANoOpTheSecondTime()
    {
        var cid = await _store.PutAsync("a wrapped key"u8.ToArray());

        await _store.DeleteAsync(cid);

        (await _store.ExistsAsync(cid)).ShouldBeFalse();
        File.Exists(_store.PathOf(cid)).ShouldBeFalse();
        await Should.ThrowAsync<ContentNotFoundException>(() => _store.GetAsync(cid));
        await _store.DeleteAsync(cid);
    }

    [Fact]
    public async Task Pin_NeedsTheObject()
    {
        var cid = await _store.PutAsync("kept"u8.ToArray());

        await _store.PinAsync(cid);
        await Should.ThrowAsync<ContentNotFoundException>(() => _store.PinAsync(Cid.Compute("absent"u8)));
    }

    [Fact]
    public async Task AnotherInstance_OnTheSameDirectory_ReadsWhatTheFirstWrote()
    {
        var cid = await _store.PutAsync("durable"u8.ToArray());

        var reopened = new EmbeddedOffChainStore(_directory.FullName);

        (await reopened.GetAsync(cid)).ShouldBe("durable"u8.ToArray());
    }
}
