using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MaaS.Gateway.Tests;

/// <summary>
/// A stand-in for a service behind the gateway that counts what reaches it and can hold a request until released,
/// so a test can have a request in flight for as long as it needs (no sleeps). Answers 201 with a fresh id.
/// </summary>
public sealed class RecordingUpstream : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, int> hits = new();
    private readonly ConcurrentDictionary<string, (TaskCompletionSource Arrived, TaskCompletionSource Release)> gates = new();

    private RecordingUpstream(WebApplication app) => this.app = app;

    public Uri Address { get; private set; } = null!;

    public static async Task<RecordingUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var upstream = new RecordingUpstream(app);
        app.Run(upstream.HandleAsync);
        await app.StartAsync();
        upstream.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return upstream;
    }

    /// <summary>How many requests with this marker (header <c>X-Test-Marker</c>) arrived.</summary>
    public int Hits(string marker) => hits.GetValueOrDefault(marker);

    /// <summary>The next request with this marker waits until <see cref="Release"/>; the task completes when it has arrived.</summary>
    public Task HoldNext(string marker)
    {
        var gate = (new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        gates[marker] = gate;
        return gate.Item1.Task;
    }

    public void Release(string marker)
    {
        if (gates.TryRemove(marker, out var gate)) gate.Release.TrySetResult();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var marker = context.Request.Headers["X-Test-Marker"].ToString();
        hits.AddOrUpdate(marker, 1, (_, n) => n + 1);
        if (gates.TryGetValue(marker, out var gate))
        {
            gate.Arrived.TrySetResult();
            await gate.Release.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = $"/things/{Guid.NewGuid()}";
        context.Response.Headers["X-Upstream-Auth"] = context.Request.Headers.Authorization.Count > 0 ? "bearer" : "none";
        await context.Response.WriteAsJsonAsync(new { id = Guid.NewGuid(), echo = body, hit = hits[marker] });
    }

    public ValueTask DisposeAsync() => app.DisposeAsync();
}
