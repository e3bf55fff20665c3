using System.Security.Cryptography;

namespace MaaS.OffChain.Tests;

public sealed class KuboOffChainStoreTests : IAsyncLifetime
{
    private FakeKubo _kubo = null!;
    private HttpClient _http = null!;
    private KuboOffChainStore _store = null!;

    public async Task InitializeAsync()
    {
        _kubo = await FakeKubo.StartAsync();
        _http = new HttpClient { BaseAddress = _kubo.ApiUrl, Timeout = TimeSpan.FromSeconds(30) };
        _store = new KuboOffChainStore(_http);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _kubo.DisposeAsync();
    }

    [Fact]
    public async Task Put_PostsMultipartFileToAdd_WithCidV0AndPin_AndReturnsTheComputedCid()
    {
        var content = RandomNumberGenerator.GetBytes(4000);

        var cid = await _store.PutAsync(content);

        cid.ShouldBe(Cid.Compute(content));
        _kubo.Blocks.ShouldContainKey(cid.V0);
        _kubo.Pins.ShouldContainKey(cid.V0);
        var add = _kubo.Requests.ShouldHaveSingleItem();
        add.ShouldStartWith("POST /api/v0/add?");
        add.ShouldContain("cid-version=0");
        add.ShouldContain("pin=true");
        add.ShouldContain("raw-leaves=false");
        add.ShouldContain("chunker=size-262144");
        _kubo.AddParts.ShouldHaveSingleItem().ShouldBe("file/data/application/octet-stream");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(262_144)]
    public async Task Put_ThenGet_RoundTrips(int size)
    {
        var content = RandomNumberGenerator.GetBytes(size);

        var cid = await _store.PutAsync(content);

        (await _store.GetAsync(cid)).ShouldBe(content);
        _kubo.Requests.ShouldContain($"POST /api/v0/cat?arg={cid.V0}");
    }

    [Fact]
    public async Task Get_WorksForACidParsedFromItsV1Form()
    {
        var cid = await _store.PutAsync("hello"u8.ToArray());

        (await _store.GetAsync(Cid.Parse(cid.V1))).ShouldBe("hello"u8.ToArray());
    }

    [Fact]
    public async Task Put_OverOneChunk_IsRefusedBeforeAnyRequest()
    {
        await Should.ThrowAsync<ContentTooLargeException>(() => _store.PutAsync(new byte[262_145]));
        _kubo.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Put_WhenKuboAnswersAnotherHash_IsRefused()
    {
        _kubo.AnswerWrongHash = true;
        var content = "telemetry batch"u8.ToArray();

        var e = await Should.ThrowAsync<ContentIntegrityException>(() => _store.PutAsync(content));

        e.Expected.ShouldBe(Cid.Compute(content));
        e.Actual.ShouldBe(Cid.Compute([.. content, 0x00]).V0);
    }

    [Fact]
    public async Task Get_WhenKuboReturnsTamperedBytes_IsRefused()
    {
        var content = RandomNumberGenerator.GetBytes(1000);
        var cid = await _store.PutAsync(content);
        _kubo.TamperCat = true;

        var e = await Should.ThrowAsync<ContentIntegrityException>(() => _store.GetAsync(cid));
        e.Expected.ShouldBe(cid);
    }

    [Fact]
    public async Task Get_WhenKuboReturnsMoreThanAChunk_IsRefused()
    {
        var cid = await _store.PutAsync(RandomNumberGenerator.GetBytes(262_000));
        _kubo.CatExtraBytes = 10_000;

        await Should.ThrowAsync<ContentIntegrityException>(() => _store.GetAsync(cid));
    }

    [Fact]
    public async Task Get_Missing_MapsKubosErrorToContentNotFound()
    {
        var cid = Cid.Compute("never added"u8);

        var e = await Should.ThrowAsync<ContentNotFoundException>(() => _store.GetAsync(cid));

        e.Cid.ShouldBe(cid);
        e.Message.ShouldContain("could not find");
    }

    [Fact]
    public async Task Exists_UsesOfflineBlockStat()
    {
        var cid = await _store.PutAsync("here"u8.ToArray());

        (await _store.ExistsAsync(cid)).ShouldBeTrue();
        (await _store.ExistsAsync(Cid.Compute("not here"u8))).ShouldBeFalse();
        _kubo.Requests.ShouldContain($"POST /api/v0/block/stat?arg={cid.V0}&offline=true");
    }

    [Fact]
    public async Task Pin_PinsHeldContent_AndMissingContentIsNotFound()
    {
        var cid = await _store.PutAsync("pin me"u8.ToArray());
        _kubo.Pins.Clear();

        await _store.PinAsync(cid);

        _kubo.Pins.ShouldContainKey(cid.V0);
        await Should.ThrowAsync<ContentNotFoundException>(() => _store.PinAsync(Cid.Compute("absent"u8)));
    }

    [Fact]
    public async Task Delete_UnpinsAndRemovesTheBlock_AndIsANoOpTheSecondTime()
    {
        var cid = await _store.PutAsync("a wrapped data key"u8.ToArray());

        await _store.DeleteAsync(cid);

        _kubo.Pins.ShouldNotContainKey(cid.V0);
        _kubo.Blocks.ShouldNotContainKey(cid.V0);
        (await _store.ExistsAsync(cid)).ShouldBeFalse();
        await Should.ThrowAsync<ContentNotFoundException>(() => _store.GetAsync(cid));
        await _store.DeleteAsync(cid);
    }

    [Fact]
    public async Task Delete_WhenKuboCannotRemoveTheBlock_Throws()
    {
        var cid = await _store.PutAsync("still pinned elsewhere"u8.ToArray());
        _kubo.PinsElsewhere[cid.V0] = true;

        var e = await Should.ThrowAsync<OffChainStoreException>(() => _store.DeleteAsync(cid));

        e.Message.ShouldContain("pinned");
        _kubo.Blocks.ShouldContainKey(cid.V0);
    }

    [Fact]
    public async Task OtherKuboErrors_AreNotMistakenForNotFound()
    {
        var cid = await _store.PutAsync("x"u8.ToArray());
        _kubo.FailWith = "context deadline exceeded";

        var e = await Should.ThrowAsync<OffChainStoreException>(() => _store.GetAsync(cid));

        e.ShouldNotBeOfType<ContentNotFoundException>();
        e.Message.ShouldContain("context deadline exceeded");
        await Should.ThrowAsync<OffChainStoreException>(() => _store.ExistsAsync(cid));
    }

    [Fact]
    public async Task AnErrorInTheStreamTrailer_FailsTheCall()
    {
        // Kestrel sends no trailers over HTTP/1.1, so this one answer is written by hand, as Go's net/http sends it:
        // 200, chunked JSON lines, then the error in the X-Stream-Error trailer.
        var content = "cut short"u8.ToArray();
        var line = $"{{\"Name\":\"data\",\"Hash\":\"{Cid.Compute(content).V0}\",\"Size\":\"21\"}}\n";
        await using var kubo = await OneShotHttpServer.StartAsync(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Chunked-Output: 1\r\nTrailer: X-Stream-Error\r\n"
            + $"Transfer-Encoding: chunked\r\n\r\n{line.Length:x}\r\n{line}\r\n0\r\nX-Stream-Error: unexpected EOF\r\n\r\n");
        using var http = new HttpClient { BaseAddress = kubo.Url };

        var e = await Should.ThrowAsync<OffChainStoreException>(() => new KuboOffChainStore(http).PutAsync(content));

        e.Message.ShouldContain("unexpected EOF");
        (await kubo.Request).ShouldStartWith("POST /api/v0/add?");
    }

    [Fact]
    public async Task AConnectionCutMidBody_IsAStoreError()
    {
        await using var kubo = await OneShotHttpServer.StartAsync(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\nonly a few bytes");
        using var http = new HttpClient { BaseAddress = kubo.Url };

        await Should.ThrowAsync<OffChainStoreException>(() => new KuboOffChainStore(http).GetAsync(Cid.Compute("x"u8)));
    }

    [Fact]
    public async Task AWrongApiUrl_Is404_NotContentNotFound()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_kubo.ApiUrl, "wrong/") };
        var store = new KuboOffChainStore(http);

        var e = await Should.ThrowAsync<OffChainStoreException>(() => store.GetAsync(Cid.Compute("x"u8)));

        e.ShouldNotBeOfType<ContentNotFoundException>();
        e.Message.ShouldContain("404");
    }

    [Fact]
    public async Task AnUnreachableNode_IsAStoreError()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        var e = await Should.ThrowAsync<OffChainStoreException>(() => new KuboOffChainStore(http).PutAsync("x"u8.ToArray()));

        e.InnerException.ShouldBeOfType<HttpRequestException>();
    }

    [Fact]
    public async Task ASlowNode_TimesOutAsAStoreError_ButCallerCancellationStaysACancellation()
    {
        var cid = await _store.PutAsync("slow"u8.ToArray());
        _kubo.Delay = TimeSpan.FromSeconds(5);
        using var http = new HttpClient { BaseAddress = _kubo.ApiUrl, Timeout = TimeSpan.FromMilliseconds(200) };

        var e = await Should.ThrowAsync<OffChainStoreException>(() => new KuboOffChainStore(http).GetAsync(cid));
        e.Message.ShouldContain("did not finish");

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Should.ThrowAsync<OperationCanceledException>(() => _store.GetAsync(cid, cancel.Token));
    }

    [Fact]
    public async Task EveryCommand_IsAPost()
    {
        var cid = await _store.PutAsync("all verbs"u8.ToArray());
        await _store.GetAsync(cid);
        await _store.ExistsAsync(cid);
        await _store.PinAsync(cid);
        await _store.DeleteAsync(cid);

        _kubo.Requests.Count.ShouldBe(6);
        _kubo.Requests.ShouldAllBe(r => r.StartsWith("POST /api/v0/"));
    }
}
