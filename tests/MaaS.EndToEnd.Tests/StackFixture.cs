using MaaS.Anchoring;
using MaaS.Gateway;
using MaaS.Invoicing;
using MaaS.Machines;
using MaaS.Maintenance;
using MaaS.Telemetry;
using MaaS.Testing;

namespace MaaS.EndToEnd.Tests;

/// <summary>The whole stack in one environment: five services on real sockets and the gateway proxying to them.</summary>
public class StackFixture : IAsyncLifetime
{
    public static readonly string[] ServiceNames = ["machines", "telemetry", "anchoring", "maintenance", "invoicing"];

    private readonly Dictionary<string, IAsyncDisposable> services = [];
    private readonly Dictionary<string, Func<int, IAsyncDisposable>> factories = [];

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

    public Uri ServiceAddress(string name) => ServiceAddressOf(services[name]);

    /// <summary>Settings of every service host, on top of the environment's (a subclass tunes sealing, rounds, ...).</summary>
    protected virtual void Configure(Dictionary<string, string?> settings)
    {
    }

    public virtual async Task InitializeAsync()
    {
        Environment = await IsolatedEnvironment.CreateAsync("endtoend");
        var settings = Environment.ServiceSettings();
        Configure(settings);
        factories["machines"] = port => new ServiceHost<MachinesApi>(settings, port);
        factories["telemetry"] = port => new ServiceHost<TelemetryApi>(settings, port);
        factories["anchoring"] = port => new ServiceHost<AnchoringApi>(settings, port);
        factories["maintenance"] = port => new ServiceHost<MaintenanceApi>(settings, port);
        factories["invoicing"] = port => new ServiceHost<InvoicingApi>(settings, port);
        // Start the five hosts in parallel: each one waits for its bus and schema, which dominates start-up.
        var started = await Task.WhenAll(ServiceNames.Select(Start));
        foreach (var (name, host, _) in started) services[name] = host;

        var gatewaySettings = new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning", ["Identity:SigningKey"] = Environment.Identity.SigningKey };
        foreach (var (name, _, address) in started)
            gatewaySettings[$"ReverseProxy:Clusters:{name}:Destinations:d1:Address"] = address.ToString();
        Gateway = new ServiceHost<GatewayApi>(gatewaySettings);
        Client = ClientWithKey(Environment.OperatorApiKey);
        Anonymous = Gateway.CreateHttpClient();
    }

    private Task<(string Name, IAsyncDisposable Host, Uri Address)> Start(string name) =>
        Task.Run(() =>
        {
            var host = factories[name](0);
            return (name, host, ServiceAddressOf(host));
        });

    private static Uri ServiceAddressOf(IAsyncDisposable host) => host switch
    {
        ServiceHost<MachinesApi> h => h.Address,
        ServiceHost<TelemetryApi> h => h.Address,
        ServiceHost<AnchoringApi> h => h.Address,
        ServiceHost<MaintenanceApi> h => h.Address,
        ServiceHost<InvoicingApi> h => h.Address,
        _ => throw new ArgumentOutOfRangeException(nameof(host)),
    };

    /// <summary>
    /// Stops a service the way a crash or a deployment would (its host disposed mid-work) and starts a new instance on the
    /// same port, database, virtual host and chain, so the gateway reaches it again without being told.
    /// </summary>
    public async Task RestartAsync(string name)
    {
        var port = ServiceAddress(name).Port;
        await services[name].DisposeAsync();
        var host = factories[name](port);
        _ = ServiceAddressOf(host);
        services[name] = host;
    }

    public virtual async Task DisposeAsync()
    {
        Client.Dispose();
        Anonymous.Dispose();
        await Gateway.DisposeAsync();
        foreach (var host in services.Values) await host.DisposeAsync();
        await Environment.DisposeAsync();
    }
}
