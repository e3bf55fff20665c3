using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace MaaS.Testing;

/// <summary>
/// One service (or the gateway) running in the test process on a real Kestrel socket on 127.0.0.1, so that the
/// gateway can proxy to it over HTTP and a test can stop and restart it like a process.
/// </summary>
public sealed class ServiceHost<TEntry> : WebApplicationFactory<TEntry> where TEntry : class
{
    private readonly IReadOnlyDictionary<string, string?> settings;
    private readonly Action<IServiceCollection>? services;

    /// <param name="port">0 for a fresh port; a fixed one lets a restarted instance take its predecessor's place behind a gateway.</param>
    /// <param name="services">
    /// Registrations on top of the service's own, for a test that must observe or delay what the service does through a
    /// library's own extension point (e.g. a Marten session listener); never to replace the service's behaviour.
    /// </param>
    public ServiceHost(IReadOnlyDictionary<string, string?> settings, int port = 0, Action<IServiceCollection>? services = null)
    {
        this.settings = settings;
        this.services = services;
        UseKestrel(o => o.Listen(IPAddress.Loopback, port));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        if (services is not null) builder.ConfigureTestServices(services);
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
