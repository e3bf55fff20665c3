using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MaaS.Telemetry.Tests.Infrastructure;

/// <summary>
/// A Telemetry host on a fixed port, so that it can be stopped and started again behind a gateway that knows it by address
/// (the shared <c>ServiceHost</c> takes a fresh port each time). It counts the ingest requests it answered with 202.
/// </summary>
public sealed class PinnedPortHost : WebApplicationFactory<TelemetryApi>
{
    private readonly IReadOnlyDictionary<string, string?> settings;

    public PinnedPortHost(IReadOnlyDictionary<string, string?> settings, int port)
    {
        this.settings = settings;
        Port = port;
        UseKestrel(o => o.Listen(IPAddress.Loopback, port));
    }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}/");

    private int accepted;

    public int Accepted => Volatile.Read(ref accepted);

    public void Start() => StartServer();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new CountAccepted(this)));
    }

    private sealed class CountAccepted(PinnedPortHost host) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, proceed) =>
            {
                await proceed(context);
                if (context.Response.StatusCode == 202) Interlocked.Increment(ref host.accepted);
            });
            next(app);
        };
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
