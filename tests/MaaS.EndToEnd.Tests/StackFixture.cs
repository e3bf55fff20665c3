using System.Text;
using System.Text.Json;
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

    /// <summary>Seconds, not minutes, from a reading to its anchored proof: batches sealed by count or after a second, rounds after a second.</summary>
    protected static void SealAndAnchorWithinSeconds(Dictionary<string, string?> settings, int readingsPerBatch)
    {
        settings["Telemetry:Sealing:MaxReadings"] = readingsPerBatch.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Telemetry:Sealing:MaxAge"] = "00:00:01";
        settings["Telemetry:Sealing:CheckInterval"] = "00:00:00.100";
        settings["Telemetry:PublishPollInterval"] = "00:00:00.200";
        settings["Anchoring:RoundMaxAge"] = "00:00:01";
        settings["Anchoring:PollInterval"] = "00:00:00.100";
    }

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
        // Start four hosts in parallel (each one waits for its bus and schema, which dominates start-up), then Invoicing, which
        // reads the batches' readings from this stack's Anchoring (decrypted for the OEM or customer), as under ./maas up.
        var started = (await Task.WhenAll(ServiceNames.Where(n => n != "invoicing").Select(Start))).ToList();
        var invoicingSettings = new Dictionary<string, string?>(settings)
        {
            ["Invoicing:AnchoringUrl"] = started.Single(s => s.Name == "anchoring").Address.ToString(),
        };
        factories["invoicing"] = port => new ServiceHost<InvoicingApi>(invoicingSettings, port);
        started.Add(await Start("invoicing"));
        foreach (var (name, host, _) in started) services[name] = host;

        // The gateway's own stores too (Idempotency-Key answers, partner events): as under ./maas up, same database and virtual host.
        var gatewaySettings = new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning", ["Identity:SigningKey"] = Environment.Identity.SigningKey,
            ["ConnectionStrings:Postgres"] = Environment.Postgres, ["ConnectionStrings:RabbitMq"] = Environment.RabbitMq.ToString(),
            ["RabbitMq:ManagementUrl"] = Environment.Servers.RabbitMqManagement.ToString(),
        };
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

    /// <summary>A member made the way a real one is: the operator invites on chain, the member redeems through the gateway.</summary>
    public async Task<StackMember> JoinAsync(string role, string name)
    {
        var invitation = await Client.PostAcceptedAsync("/api/machines/members/invitations", new { name, roles = new[] { role }, expiresInHours = 1 });
        await WaitForFinalAsync(Client, invitation.GetProperty("operationId").GetGuid());
        var redemption = await Anonymous.PostAcceptedAsync("/api/machines/members/redemptions", new { code = invitation.GetProperty("code").GetString(), name });
        var apiKey = redemption.GetProperty("apiKey").GetString()!;
        var member = ClientWithKey(apiKey);
        await WaitForFinalAsync(member, redemption.GetProperty("operationId").GetGuid());
        var me = await member.WaitForAsync("/api/machines/members/me", me => me.GetProperty("status").GetString() == "active", $"{name} to be active");
        return new StackMember(redemption.GetProperty("memberId").GetGuid(), name, me.GetProperty("account").GetString()!, apiKey, member);
    }

    /// <summary>A machine registered by <paramref name="oem"/> for the customer, accepted and started on chain; its id and the registration's operation id.</summary>
    public async Task<(Guid MachineId, Guid RegistrationId)> ProvisionAsync(HttpClient oem, HttpClient customer, Guid customerId, string deviceAddress)
    {
        var registration = await oem.PostAcceptedAsync("/api/machines", new
        {
            customerId, model = "CNC-5X", region = 7, deviceAddress, telemetryIntervalSeconds = 60,
            specDocument = Convert.ToBase64String(Encoding.UTF8.GetBytes($"CNC-5X mill, serial {Guid.NewGuid():N}")),
            terms = MaaS.OffChain.Invoicing.PricingTerms.Example.ToJson(), billingPeriodSeconds = 30 * 24 * 3600,
        });
        var machineId = Guid.Parse(registration.GetProperty("subject").GetString()!);
        await WaitForFinalAsync(oem, registration.GetProperty("id").GetGuid());
        var machine = await customer.WaitForAsync($"/api/machines/{machineId}", m => m.TryGetProperty("latestTermsVersion", out var v) && v.ValueKind == JsonValueKind.Number,
            "the machine's terms");
        var accepted = await customer.PostAcceptedAsync($"/api/machines/{machineId}/accept", new { termsVersion = machine.GetProperty("latestTermsVersion").GetInt32() });
        await WaitForFinalAsync(customer, accepted.GetProperty("id").GetGuid());
        await customer.WaitForAsync($"/api/machines/{machineId}", m => m.GetProperty("finalState").GetString() == "Accepted", "the machine accepted");
        var started = await customer.PostAcceptedAsync($"/api/machines/{machineId}/start", null);
        await WaitForFinalAsync(customer, started.GetProperty("id").GetGuid());
        await customer.WaitForAsync($"/api/telemetry/machines/{machineId}/status", s => s.GetProperty("executing").GetBoolean(), "telemetry to know the machine runs");
        return (machineId, registration.GetProperty("id").GetGuid());
    }

    public static Task WaitForFinalAsync(HttpClient client, Guid operationId, string service = "machines") =>
        client.WaitForAsync($"/api/{service}/operations/{operationId}", o => o.GetProperty("status").GetString() switch
        {
            "Final" => true,
            "Failed" => throw new InvalidOperationException($"operation {operationId} failed: {o}"),
            _ => false,
        }, $"operation {operationId} to be final");

    public virtual async Task DisposeAsync()
    {
        Client.Dispose();
        Anonymous.Dispose();
        await Gateway.DisposeAsync();
        foreach (var host in services.Values) await host.DisposeAsync();
        await Environment.DisposeAsync();
    }
}

/// <summary>A member of the stack's consortium with its API key (write scope) and a gateway client presenting it.</summary>
public sealed record StackMember(Guid MemberId, string Name, string Account, string ApiKey, HttpClient Client);
