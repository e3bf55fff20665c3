using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace MaaS.OffChain;

/// <summary>
/// The off-chain store on a Kubo node, over its RPC API (<c>POST /api/v0/…</c>; errors are HTTP 500 with
/// <c>{"Message","Code","Type"}</c>). The CID is computed here first; Kubo's answer must match it, and
/// bytes from <c>cat</c> are re-hashed before they are returned.
/// </summary>
public sealed class KuboOffChainStore : IOffChainStore
{
    /// <summary>Name of the <see cref="IHttpClientFactory"/> client that <c>AddOffChainStore</c> configures.</summary>
    public const string HttpClientName = "MaaS.OffChain.Kubo";

    // Flags that make `add` give the one-block CIDv0 computed here whatever the node's Import.* config says:
    // CIDv0, dag-pb leaves (not raw), Kubo's default 256 KiB chunker.
    private const string AddQuery = "api/v0/add?cid-version=0&raw-leaves=false&chunker=size-262144&pin=true";

    private const int MaxReplyLength = 64 * 1024;

    private readonly Func<HttpClient> _client;

    /// <param name="httpClient">A client whose <see cref="HttpClient.BaseAddress"/> is Kubo's RPC root, e.g. <c>http://127.0.0.1:5001/</c>.</param>
    public KuboOffChainStore(HttpClient httpClient)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        _client = () => httpClient;
    }

    /// <summary>Creates the named client <see cref="HttpClientName"/> for each call, as a long-lived store should.</summary>
    public KuboOffChainStore(IHttpClientFactory httpClientFactory)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        _client = () => httpClientFactory.CreateClient(HttpClientName);
    }

    public async Task<Cid> PutAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var cid = Cid.Compute(content.Span);
        var hash = await CallAsync("add", cid, async (client, ct) =>
        {
            using var file = new ReadOnlyMemoryContent(content);
            file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            // Quoted by hand: the default adds filename*=utf-8'' which Kubo has no use for.
            file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileName = "\"data\"" };
            using var form = new MultipartFormDataContent { file };

            using var response = await PostAsync(client, AddQuery, form, ct);
            await EnsureSuccessAsync(response, cid, "add", ct);
            var reply = await ReadBoundedAsync(response, MaxReplyLength, ct);
            ThrowOnStreamError(response, "add");
            return ReadAddedHash(reply.Bytes);
        }, cancellationToken);

        if (!Cid.TryParse(hash, out var stored) || stored != cid)
            throw new ContentIntegrityException(cid, hash, "Kubo stored the content under another CID");
        return cid;
    }

    public async Task<byte[]> GetAsync(Cid cid, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cid);
        var (content, truncated) = await CallAsync("cat", cid, async (client, ct) =>
        {
            using var response = await PostAsync(client, $"api/v0/cat?arg={cid.V0}", content: null, ct);
            await EnsureSuccessAsync(response, cid, "cat", ct);
            var read = await ReadBoundedAsync(response, UnixFsBlock.MaxContentLength, ct);
            if (!read.Truncated)
                ThrowOnStreamError(response, "cat");
            return read;
        }, cancellationToken);

        if (truncated)
            throw new ContentIntegrityException(cid, null, $"Kubo returned more than {UnixFsBlock.MaxContentLength:N0} bytes, more than any one-chunk object");
        var actual = Cid.Compute(content);
        if (actual != cid)
            throw new ContentIntegrityException(cid, actual.V0, "the bytes Kubo returned hash to another CID");
        return content;
    }

    /// <summary><c>block/stat</c> with <c>offline=true</c>: held by this node, without searching the network.</summary>
    public Task<bool> ExistsAsync(Cid cid, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cid);
        return CallAsync("block/stat", cid, async (client, ct) =>
        {
            using var response = await PostAsync(client, $"api/v0/block/stat?arg={cid.V0}&offline=true", content: null, ct);
            try
            {
                await EnsureSuccessAsync(response, cid, "block/stat", ct);
                return true;
            }
            catch (ContentNotFoundException)
            {
                return false;
            }
        }, cancellationToken);
    }

    /// <summary><c>pin/rm</c> (not being pinned is fine), then <c>block/rm</c> with <c>force</c> so the block leaves this node's blockstore now, not at the next GC.</summary>
    public Task DeleteAsync(Cid cid, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cid);
        return CallAsync("pin/rm + block/rm", cid, async (client, ct) =>
        {
            using (var unpin = await PostAsync(client, $"api/v0/pin/rm?arg={cid.V0}", content: null, ct))
            {
                if (!unpin.IsSuccessStatusCode)
                {
                    var error = await ReadErrorAsync(unpin, ct);
                    if (!error.Contains("not pinned", StringComparison.OrdinalIgnoreCase) && !IsNotFound(unpin.StatusCode, error))
                        throw new OffChainStoreException($"Kubo pin/rm of {cid} failed with HTTP {(int)unpin.StatusCode}: {error}");
                }
            }

            using var remove = await PostAsync(client, $"api/v0/block/rm?arg={cid.V0}&force=true", content: null, ct);
            await EnsureSuccessAsync(remove, cid, "block/rm", ct);
            var reply = await ReadBoundedAsync(remove, MaxReplyLength, ct);
            ThrowOnStreamError(remove, "block/rm");
            foreach (var line in JsonLines(reply.Bytes))
            {
                if (line.TryGetProperty("Error", out var e) && e.ValueKind == JsonValueKind.String && e.GetString() is { Length: > 0 } message)
                    throw new OffChainStoreException($"Kubo block/rm of {cid} failed: {message}");
            }
            return true;
        }, cancellationToken);
    }

    public Task PinAsync(Cid cid, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cid);
        return CallAsync("pin/add", cid, async (client, ct) =>
        {
            using var response = await PostAsync(client, $"api/v0/pin/add?arg={cid.V0}", content: null, ct);
            await EnsureSuccessAsync(response, cid, "pin/add", ct);
            _ = await ReadBoundedAsync(response, MaxReplyLength, ct);
            ThrowOnStreamError(response, "pin/add");
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Runs one RPC exchange within the client's <see cref="HttpClient.Timeout"/> — body reads included, which
    /// HttpClient does not time once the headers are in — and turns transport failures (refused connection, a body cut short) into store errors.
    /// </summary>
    private async Task<T> CallAsync<T>(string command, Cid cid, Func<HttpClient, CancellationToken, Task<T>> exchange, CancellationToken cancellationToken)
    {
        var client = _client();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(client.Timeout);
        try
        {
            return await exchange(client, deadline.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new OffChainStoreException($"Kubo {command} of {cid} did not finish within {client.Timeout}.", e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new OffChainStoreException($"Kubo {command} of {cid} failed: {e.Message}", e);
        }
    }

    // Headers only: bodies are read through ReadBoundedAsync, never buffered whole by HttpClient.
    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string relativeUri, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, relativeUri) { Content = content };
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>The last <c>Hash</c> in add's JSON lines (<c>{"Name","Hash","Size"}</c>, one per added entry).</summary>
    private static string? ReadAddedHash(byte[] reply)
    {
        string? hash = null;
        foreach (var line in JsonLines(reply))
        {
            if (line.TryGetProperty("Type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "error")
                throw new OffChainStoreException($"Kubo add failed: {(line.TryGetProperty("Message", out var m) ? m.ToString() : line.ToString())}");
            if (line.TryGetProperty("Hash", out var h) && h.ValueKind == JsonValueKind.String)
                hash = h.GetString();
        }
        return hash ?? throw new OffChainStoreException($"Kubo add answered without a Hash: '{Encoding.UTF8.GetString(reply)}'.");
    }

    private static List<JsonElement> JsonLines(byte[] reply)
    {
        var lines = new List<JsonElement>();
        foreach (var line in Encoding.UTF8.GetString(reply).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                using var document = JsonDocument.Parse(line);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                    lines.Add(document.RootElement.Clone());
            }
            catch (JsonException e)
            {
                throw new OffChainStoreException($"Kubo answered with a line that is not JSON: '{line}'.", e);
            }
        }
        return lines;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, Cid cid, string command, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
            return;
        var error = await ReadErrorAsync(response, cancellationToken);
        if (IsNotFound(response.StatusCode, error))
            throw new ContentNotFoundException(cid, $"Kubo {command}: {error}");
        throw new OffChainStoreException($"Kubo {command} of {cid} failed with HTTP {(int)response.StatusCode}: {error}");
    }

    /// <summary>
    /// Only a 500 is a command's own error; a 404 means no such endpoint (a wrong URL), not a missing object.
    /// Kubo words a missing block as "merkledag: not found", "block was not found locally (offline): ipld:
    /// could not find …" or "blockstore: block not found" depending on the path taken.
    /// </summary>
    private static bool IsNotFound(HttpStatusCode status, string error) =>
        status == HttpStatusCode.InternalServerError
        && (error.Contains("not found", StringComparison.OrdinalIgnoreCase) || error.Contains("could not find", StringComparison.OrdinalIgnoreCase));

    /// <summary>Kubo's <c>Message</c>, or the start of whatever else came back.</summary>
    private static async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var (bytes, _) = await ReadBoundedAsync(response, 4096, cancellationToken);
        var text = Encoding.UTF8.GetString(bytes).Trim();
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("Message", out var message)
                && message.ValueKind == JsonValueKind.String)
            {
                return message.GetString() ?? text;
            }
        }
        catch (JsonException)
        {
        }
        return text.Length == 0 ? response.ReasonPhrase ?? "(no body)" : text;
    }

    /// <summary>
    /// Streaming commands that fail after sending 200 report it in the <c>X-Stream-Error</c> trailer.
    /// </summary>
    private static void ThrowOnStreamError(HttpResponseMessage response, string command)
    {
        if (response.TrailingHeaders.TryGetValues("X-Stream-Error", out var values) && string.Join("; ", values) is { Length: > 0 } error)
            throw new OffChainStoreException($"Kubo {command} failed while streaming: {error}");
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; <c>Truncated</c> says there was more.</summary>
    private static async Task<(byte[] Bytes, bool Truncated)> ReadBoundedAsync(HttpResponseMessage response, int limit, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[Math.Min(limit + 1, 64 * 1024)];
        using var result = new MemoryStream();
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            result.Write(buffer, 0, read);
            if (result.Length > limit)
                return (result.GetBuffer().AsSpan(0, limit).ToArray(), true);
        }
        return (result.ToArray(), false);
    }
}
