using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MaaS.Gateway.Tests.Events;

/// <summary>One POST as the receiver saw it, with its own verdict on the signature.</summary>
public sealed record ReceivedEvent(string Hook, string ContentType, string Signature, bool SignatureValid, string? DeliveryId, byte[] Body, JsonElement CloudEvent)
{
    public string Id => CloudEvent.GetProperty("id").GetString()!;

    public string Type => CloudEvent.GetProperty("type").GetString()!;

    public string Subject => CloudEvent.GetProperty("subject").GetString()!;
}

/// <summary>
/// A partner's webhook endpoint: a Kestrel app of its own on a real socket, one path per subscription
/// (<c>/hooks/{name}</c>). It checks the signature the way a partner would from the documentation alone — not with the
/// gateway's code — and records every POST. A hook can be told to fail (500) until told otherwise.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, string> secrets = new();
    private readonly ConcurrentDictionary<string, bool> failing = new();
    private readonly ConcurrentQueue<ReceivedEvent> received = new();

    private WebhookReceiver(WebApplication app) => this.app = app;

    public Uri Address { get; private set; } = null!;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hooks/{name}", receiver.HandleAsync);
        await app.StartAsync();
        receiver.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return receiver;
    }

    public string UrlFor(string hook) => new Uri(Address, $"/hooks/{hook}").ToString();

    /// <summary>The secret the subscription answered with, to check this hook's signatures.</summary>
    public void Trust(string hook, string secret) => secrets[hook] = secret;

    public string SecretOf(string hook) => secrets[hook];

    public void Fail(string hook, bool fail) => failing[hook] = fail;

    public IReadOnlyList<ReceivedEvent> For(string hook) => [.. received.Where(r => r.Hook == hook)];

    private async Task<IResult> HandleAsync(string name, HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var signature = context.Request.Headers["X-MaaS-Signature"].ToString();
        var valid = secrets.TryGetValue(name, out var secret) && Verify(secret, signature, body);
        received.Enqueue(new ReceivedEvent(name, context.Request.ContentType ?? "", signature, valid, context.Request.Headers["X-MaaS-Delivery"].ToString(), body,
            JsonDocument.Parse(body).RootElement.Clone()));
        return failing.GetValueOrDefault(name) ? Results.StatusCode(500) : Results.NoContent();
    }

    /// <summary>As docs/gateway.md tells a partner: split <c>t=…,v1=…</c>, HMAC-SHA256 over "t.body" with the secret, compare in constant time.</summary>
    public static bool Verify(string secret, string header, byte[] body)
    {
        var parts = header.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0].Trim(), p => p[1].Trim());
        if (!parts.TryGetValue("t", out var t) || !parts.TryGetValue("v1", out var v1)) return false;
        if (!long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var unix)) return false;
        if (Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - unix) > 300) return false;
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        var expected = hmac.ComputeHash([.. Encoding.UTF8.GetBytes(t), (byte)'.', .. body]);
        byte[] given;
        try
        {
            given = Convert.FromHexString(v1);
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
