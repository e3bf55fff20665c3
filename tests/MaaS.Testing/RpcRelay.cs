using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MaaS.Testing;

/// <summary>
/// A JSON-RPC relay between a service under test and the node. It passes everything through, except that it can stop
/// letting transactions reach the node (<c>eth_sendRawTransaction</c> answers an error, as a node outage would): a
/// transaction the service signs meanwhile stays in its ledger, unsent. That is how a test stops the service exactly
/// between two steps of an operation, on a node that mines every transaction at once.
/// </summary>
public sealed class RpcRelay : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly HttpClient upstream;
    private int sendsLeft = int.MaxValue;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> failures = new(StringComparer.Ordinal);

    private RpcRelay(WebApplication app, Uri node)
    {
        this.app = app;
        upstream = new HttpClient { BaseAddress = node, Timeout = TimeSpan.FromSeconds(30) };
        app.MapPost("/", Relay);
    }

    public Uri Address { get; private set; } = null!;

    public static async Task<RpcRelay> StartAsync(Uri node)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var relay = new RpcRelay(builder.Build(), node);
        await relay.app.StartAsync();
        relay.Address = new Uri(relay.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return relay;
    }

    /// <summary>Lets <paramref name="count"/> more transactions through, then refuses every other one.</summary>
    public void AllowTransactions(int count) => Interlocked.Exchange(ref sendsLeft, count);

    public void AllowAllTransactions() => Interlocked.Exchange(ref sendsLeft, int.MaxValue);

    /// <summary>The next <paramref name="count"/> calls of <paramref name="method"/> answer an error, as a node in trouble would.</summary>
    public void FailNext(string method, int count) => failures[method] = count;

    private async Task Relay(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        using (var request = JsonDocument.Parse(body))
        {
            var method = request.RootElement.ValueKind == JsonValueKind.Object ? request.RootElement.GetProperty("method").GetString() ?? "" : "";
            var failThis = failures.TryGetValue(method, out var left) && left > 0 && failures.TryUpdate(method, left - 1, left);
            if (failThis || (method == "eth_sendRawTransaction" && Interlocked.Decrement(ref sendsLeft) < 0))
            {
                if (!failThis) Interlocked.Exchange(ref sendsLeft, -1);
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(JsonSerializer.Serialize(new
                {
                    jsonrpc = "2.0",
                    id = request.RootElement.GetProperty("id"),
                    error = new { code = -32000, message = failThis ? $"test relay: {method} failed" : "test relay: the node is unreachable for transactions" },
                }), context.RequestAborted);
                return;
            }
        }
        using var forwarded = await upstream.PostAsync("", new StringContent(body, Encoding.UTF8, "application/json"), context.RequestAborted);
        context.Response.StatusCode = (int)forwarded.StatusCode;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(await forwarded.Content.ReadAsStringAsync(context.RequestAborted), context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await app.DisposeAsync();
        upstream.Dispose();
    }
}
