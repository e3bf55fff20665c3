using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nethereum.Util;

namespace MaaS.Chain.Deployment;

/// <summary>
/// How contract sources are published so that anyone can recompile them: the solc standard-JSON input (sources,
/// settings) as one off-chain object. When it exceeds one chunk, every source file becomes an object of its own and the
/// published object is the same standard-JSON input with each source's <c>content</c> replaced by
/// <c>{"keccak256": …, "urls": ["dweb:/ipfs/Qm…"]}</c> (solc's own metadata convention), which stays small.
/// </summary>
public static class SourcePublication
{
    private const string UrlPrefix = "dweb:/ipfs/";

    /// <summary>Publishes the bundle; returns the object whose CID goes on chain.</summary>
    public static async Task<StoredSource> PublishAsync(ISourceStore store, ReadOnlyMemory<byte> standardInput, int? maxObjectLength = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var limit = maxObjectLength ?? store.MaxObjectLength;
        if (standardInput.Length <= limit) return await store.PutAsync(standardInput, ct);

        var input = JsonNode.Parse(standardInput.Span) as JsonObject ?? throw new InvalidDataException("The standard-JSON input is not a JSON object.");
        var sources = input["sources"] as JsonObject ?? throw new InvalidDataException("The standard-JSON input has no sources.");
        foreach (var (path, source) in sources.ToList())
        {
            var content = source?["content"]?.GetValue<string>() ?? throw new InvalidDataException($"Source {path} has no inline content.");
            var bytes = Encoding.UTF8.GetBytes(content);
            if (bytes.Length > limit) throw new InvalidDataException($"Source {path} is {bytes.Length:N0} bytes, more than one off-chain object ({limit:N0}).");
            var stored = await store.PutAsync(bytes, ct);
            sources[path] = new JsonObject
            {
                ["keccak256"] = "0x" + Convert.ToHexStringLower(Sha3Keccack.Current.CalculateHash(bytes)),
                ["urls"] = new JsonArray(UrlPrefix + stored.Cid),
            };
        }
        var manifest = Encoding.UTF8.GetBytes(input.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        if (manifest.Length > limit) throw new InvalidDataException($"Even the source manifest is {manifest.Length:N0} bytes, more than one off-chain object ({limit:N0}).");
        return await store.PutAsync(manifest, ct);
    }

    /// <summary>
    /// The published standard-JSON input with every source inline (fetched and re-hashed by the store; a source's
    /// <c>keccak256</c> is checked too). A bundle that already has every source inline is returned byte for byte.
    /// </summary>
    public static async Task<byte[]> FetchAsync(ISourceStore store, string cid, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var bundle = await store.GetAsync(cid, ct);
        JsonObject input;
        try
        {
            input = JsonNode.Parse(bundle) as JsonObject ?? throw new InvalidDataException($"The source bundle {cid} is not a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The source bundle {cid} is not JSON: {ex.Message}", ex);
        }
        var sources = input["sources"] as JsonObject ?? throw new InvalidDataException($"The source bundle {cid} has no sources.");
        if (sources.All(s => s.Value?["content"] is not null)) return bundle;

        foreach (var (path, source) in sources.ToList())
        {
            if (source is null) throw new InvalidDataException($"Source {path} of bundle {cid} is empty.");
            if (source["content"] is not null) continue;
            var url = (source["urls"] as JsonArray)?.Select(u => u?.GetValue<string>()).FirstOrDefault(u => u?.StartsWith(UrlPrefix, StringComparison.Ordinal) == true)
                ?? throw new InvalidDataException($"Source {path} of bundle {cid} has neither content nor a {UrlPrefix} url.");
            var bytes = await store.GetAsync(url[UrlPrefix.Length..], ct);
            if (source["keccak256"]?.GetValue<string>() is { } expected
                && !string.Equals(expected, "0x" + Convert.ToHexStringLower(Sha3Keccack.Current.CalculateHash(bytes)), StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"Source {path} fetched from {url} does not match its keccak256 {expected}.");
            sources[path] = new JsonObject { ["content"] = Encoding.UTF8.GetString(bytes) };
        }
        return Encoding.UTF8.GetBytes(input.ToJsonString());
    }
}
