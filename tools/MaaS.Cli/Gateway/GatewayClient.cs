using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MaaS.Cli.Gateway;

/// <summary>Talks to the public API through the gateway as one member (API key), the way an ERP would.</summary>
public sealed class GatewayClient(Uri gateway, string? apiKey) : IDisposable
{
    private readonly HttpClient http = Create(gateway, apiKey);

    private static HttpClient Create(Uri gateway, string? apiKey)
    {
        var client = new HttpClient { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(60) };
        if (apiKey is not null) client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    public GatewayClient As(string memberApiKey) => new(gateway, memberApiKey);

    public async Task<JsonObject> GetAsync(string path, CancellationToken ct = default) => await SendAsync(HttpMethod.Get, path, null, ct);

    public async Task<JsonObject> PostAsync(string path, object? body, CancellationToken ct = default) => await SendAsync(HttpMethod.Post, path, body, ct);

    public async Task<JsonObject> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body);
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode) throw new GatewayException(response.StatusCode, $"{method} {path} → {(int)response.StatusCode}: {text}");
        return string.IsNullOrWhiteSpace(text) ? [] : JsonNode.Parse(text) is JsonObject o ? o : new JsonObject { ["items"] = JsonNode.Parse(text) };
    }

    /// <summary>Polls an operation until it is mined (or final), and says how long each stage took.</summary>
    public async Task<OperationOutcome> WaitForOperationAsync(string location, bool untilFinal, TimeSpan timeout, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var operation = await GetAsync(location, ct);
            var status = operation["status"]!.GetValue<string>();
            if (status == "Failed") throw new InvalidOperationException($"Operation failed: {operation["error"]}");
            if (status == "Final" || (!untilFinal && status == "Mined")) return OperationOutcome.From(operation);
            if (clock.Elapsed > timeout) throw new TimeoutException($"Operation {location} is still {status} after {timeout.TotalSeconds:0} s.");
            await Task.Delay(50, ct);
        }
    }

    /// <summary>Polls a resource until <paramref name="condition"/> holds.</summary>
    public async Task<JsonObject> WaitForAsync(string path, Func<JsonObject, bool> condition, TimeSpan timeout, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var resource = await GetAsync(path, ct);
                if (condition(resource)) return resource;
            }
            catch (GatewayException ex) when (ex.Status == HttpStatusCode.NotFound)
            {
                // Not there yet.
            }
            if (clock.Elapsed > timeout) throw new TimeoutException($"{path} did not reach the expected state within {timeout.TotalSeconds:0} s.");
            await Task.Delay(50, ct);
        }
    }

    public void Dispose() => http.Dispose();
}

public sealed class GatewayException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>An operation's transactions: hash, gas, and latency from submission to its block and to finality.</summary>
public sealed record OperationOutcome(string Status, IReadOnlyList<StepOutcome> Steps)
{
    public static OperationOutcome From(JsonObject operation) => new(operation["status"]!.GetValue<string>(),
        [.. operation["steps"]!.AsArray().Select(s => new StepOutcome(
            s!["name"]!.GetValue<string>(), s["transactionHash"]?.GetValue<string>(), s["block"]?.GetValue<long>(), s["gasUsed"]?.GetValue<long>(),
            Millis(s["submittedAt"], s["minedAt"]), Millis(s["submittedAt"], s["finalAt"])))]);

    private static double? Millis(JsonNode? from, JsonNode? to) =>
        from is null || to is null ? null : (to.GetValue<DateTimeOffset>() - from.GetValue<DateTimeOffset>()).TotalMilliseconds;
}

public sealed record StepOutcome(string Name, string? TransactionHash, long? Block, long? GasUsed, double? MinedMs, double? FinalMs);

public static class Json
{
    public static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
