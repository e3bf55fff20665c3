using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MaaS.Testing;

/// <summary>
/// One service (or the gateway) running in the test process on a real Kestrel socket on 127.0.0.1, so that the
/// gateway can proxy to it over HTTP and a test can stop and restart it like a process.
/// </summary>
public sealed class ServiceHost<TEntry> : WebApplicationFactory<TEntry> where TEntry : class
{
    private readonly IReadOnlyDictionary<string, string?> settings;

    /// <param name="port">0 for a fresh port; a fixed one lets a restarted instance take its predecessor's place behind a gateway.</param>
    public ServiceHost(IReadOnlyDictionary<string, string?> settings, int port = 0)
    {
        this.settings = settings;
        UseKestrel(o => o.Listen(IPAddress.Loopback, port));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
    }

    /// <summary>Starts the host if needed and gives the address Kestrel listens on.</summary>
    public Uri Address
    {
        get
        {
            StartServer();
            var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()
                ?? throw new InvalidOperationException("The server exposes no addresses.");
            return new Uri(addresses.Addresses.First());
        }
    }

    public HttpClient CreateHttpClient() => new() { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
}
