using System.Net.Http.Json;
using System.Text.Json;
using MaaS.Anchoring;
using MaaS.Machines;
using MaaS.Testing;

namespace MaaS.Gateway.Tests;

/// <summary>
/// The gateway in front of real Machines and Anchoring services, with its idempotency store in the environment's
/// database, trusting a test OIDC issuer. The routes of services the fixture does not run lead to a
/// <see cref="RecordingUpstream"/>.
/// </summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    private static readonly string[] Absent = ["telemetry", "maintenance", "invoicing"];

    public IsolatedEnvironment Environment { get; private set; } = null!;

    public ServiceHost<MachinesApi> Machines { get; private set; } = null!;

    public ServiceHost<AnchoringApi> Anchoring { get; private set; } = null!;

    public TestIssuer Issuer { get; private set; } = null!;

    /// <summary>Behind the telemetry, maintenance and invoicing routes.</summary>
    public RecordingUpstream Upstream { get; private set; } = null!;

    public ServiceHost<GatewayApi> Gateway { get; private set; } = null!;

    /// <summary>The operator's own API key (write scope), seeded by Machines.</summary>
    public HttpClient Operator { get; private set; } = null!;

    public HttpClient Anonymous { get; private set; } = null!;

    public HttpClient WithKey(string apiKey, ServiceHost<GatewayApi>? gateway = null)
    {
        var client = (gateway ?? Gateway).CreateHttpClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    public HttpClient WithBearer(string token, ServiceHost<GatewayApi>? gateway = null)
    {
        var client = (gateway ?? Gateway).CreateHttpClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Settings of a gateway in this environment; tests that need other limits start one of their own.</summary>
    public Dictionary<string, string?> GatewaySettings()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Identity:SigningKey"] = Environment.Identity.SigningKey,
            ["ConnectionStrings:Postgres"] = Environment.Postgres,
            ["ReverseProxy:Clusters:machines:Destinations:d1:Address"] = Machines.Address.ToString(),
            ["ReverseProxy:Clusters:anchoring:Destinations:d1:Address"] = Anchoring.Address.ToString(),
            ["Gateway:Oidc:Issuer"] = Issuer.Issuer,
            ["Gateway:Oidc:Audience"] = TestIssuer.Audience,
            ["Gateway:Oidc:RequireHttpsMetadata"] = "false",
        };
        foreach (var name in Absent) settings[$"ReverseProxy:Clusters:{name}:Destinations:d1:Address"] = Upstream.Address.ToString();
        return settings;
    }

    public async Task InitializeAsync()
    {
        Environment = await IsolatedEnvironment.CreateAsync("gateway");
        var settings = Environment.ServiceSettings();
        var machines = Task.Run(() => { var h = new ServiceHost<MachinesApi>(settings); _ = h.Address; return h; });
        var anchoring = Task.Run(() => { var h = new ServiceHost<AnchoringApi>(settings); _ = h.Address; return h; });
        (Machines, Anchoring) = (await machines, await anchoring);
        Issuer = await TestIssuer.StartAsync();
        Upstream = await RecordingUpstream.StartAsync();
        Gateway = new ServiceHost<GatewayApi>(GatewaySettings());
        Operator = WithKey(Environment.OperatorApiKey);
        Anonymous = Gateway.CreateHttpClient();
    }

    /// <summary>A fresh API key of the operator with this scope.</summary>
    public async Task<(string KeyId, string ApiKey)> IssueKeyAsync(string scope, string? name = null)
    {
        using var response = await Operator.PostAsJsonAsync("/api/machines/members/me/keys", new { scope, name });
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Issuing a key failed: {(int)response.StatusCode} {body}");
        var issued = JsonDocument.Parse(body).RootElement;
        return (issued.GetProperty("keyId").GetString()!, issued.GetProperty("apiKey").GetString()!);
    }

    public async Task DisposeAsync()
    {
        Operator.Dispose();
        Anonymous.Dispose();
        await Gateway.DisposeAsync();
        await Issuer.DisposeAsync();
        await Upstream.DisposeAsync();
        await Machines.DisposeAsync();
        await Anchoring.DisposeAsync();
        await Environment.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}
