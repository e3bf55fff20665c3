using MaaS.Anchoring;
using MaaS.Gateway;
using MaaS.Invoicing;
using MaaS.Machines;
using MaaS.Maintenance;
using MaaS.Telemetry;
using MaaS.Testing;

namespace MaaS.EndToEnd.Tests;

/// <summary>The whole stack in one environment: five services on real sockets and the gateway proxying to them.</summary>
public sealed class StackFixture : IAsyncLifetime
{
    public static readonly string[] ServiceNames = ["machines", "telemetry", "anchoring", "maintenance", "invoicing"];

    private readonly Dictionary<string, IAsyncDisposable> services = [];

    public IsolatedEnvironment Environment { get; private set; } = null!;

    public ServiceHost<GatewayApi> Gateway { get; private set; } = null!;

    /// <summary>Through the gateway as the consortium operator (its API key).</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>Through the gateway without a key.</summary>
    public HttpClient Anonymous { get; private set; } = null!;

    /// <summary>Through the gateway with a member's API key.</summary>
    public HttpClient ClientWithKey(string apiKey)
    {
        var client = Gateway.CreateHttpClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    public Uri ServiceAddress(string name) => services[name] switch
    {
        ServiceHost<MachinesApi> h => h.Address,
        ServiceHost<TelemetryApi> h => h.Address,
        ServiceHost<AnchoringApi> h => h.Address,
        ServiceHost<MaintenanceApi> h => h.Address,
        ServiceHost<InvoicingApi> h => h.Address,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    public async Task InitializeAsync()
    {
        Environment = await IsolatedEnvironment.CreateAsync("endtoend");
        var settings = Environment.ServiceSettings();
        // Start the five hosts in parallel: each one waits for its bus and schema, which dominates start-up.
        var started = await Task.WhenAll(
            Start("machines", () => new ServiceHost<MachinesApi>(settings)),
            Start("telemetry", () => new ServiceHost<TelemetryApi>(settings)),
            Start("anchoring", () => new ServiceHost<AnchoringApi>(settings)),
            Start("maintenance", () => new ServiceHost<MaintenanceApi>(settings)),
            Start("invoicing", () => new ServiceHost<InvoicingApi>(settings)));
        foreach (var (name, host, _) in started) services[name] = host;

        var gatewaySettings = new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning", ["Identity:SigningKey"] = Environment.Identity.SigningKey };
        foreach (var (name, _, address) in started)
            gatewaySettings[$"ReverseProxy:Clusters:{name}:Destinations:d1:Address"] = address.ToString();
        Gateway = new ServiceHost<GatewayApi>(gatewaySettings);
        Client = ClientWithKey(Environment.OperatorApiKey);
        Anonymous = Gateway.CreateHttpClient();
    }

    private static Task<(string Name, IAsyncDisposable Host, Uri Address)> Start<T>(string name, Func<ServiceHost<T>> create) where T : class =>
        Task.Run(() =>
        {
            var host = create();
            return (name, (IAsyncDisposable)host, host.Address);
        });

    public async Task DisposeAsync()
    {
        Client.Dispose();
        Anonymous.Dispose();
        await Gateway.DisposeAsync();
        foreach (var host in services.Values) await host.DisposeAsync();
        await Environment.DisposeAsync();
    }
}
