using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Shouldly;
using Xunit;

namespace MaaS.Testing;

/// <summary>
/// What every service must do on the real servers: be ready only when PostgreSQL, RabbitMQ and the chain answer,
/// answer errors as RFC 9457 problems, serve its OpenAPI document, and move a ping through its event store and the bus.
/// Each service's test project runs these against its own host.
/// </summary>
[Trait("Category", "Integration")]
public abstract class ServiceBasicsTests<TEntry, TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TEntry : class where TFixture : ServiceFixture<TEntry>
{
    private string Prefix => $"/api/{fixture.ServiceName}";

    [Fact]
    public async Task Ready_WhenPostgresRabbitMqAndTheEvmNodeAnswer()
    {
        using var response = await fixture.Client.GetAsync("/health/ready");
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        using var report = JsonDocument.Parse(body);
        var checks = report.RootElement.GetProperty("checks");
        foreach (var check in new[] { "postgres", "evm-node", "masstransit-bus" })
            checks.GetProperty(check).GetProperty("status").GetString().ShouldBe("Healthy", $"{check}: {body}");
    }

    [Fact]
    public async Task NotReady_WhenTheEvmNodeDoesNotAnswer()
    {
        await using var host = fixture.CreateHost(new Dictionary<string, string?> { ["Chain:RpcUrl"] = $"http://127.0.0.1:{ClosedPort()}" });
        using var client = host.CreateHttpClient();
        using var response = await client.GetAsync("/health/ready");
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, body);
        JsonDocument.Parse(body).RootElement.GetProperty("checks").GetProperty("evm-node").GetProperty("status").GetString().ShouldBe("Unhealthy");
    }

    [Fact]
    public async Task NotReady_WhenTheNodeIsAnotherChain()
    {
        await using var host = fixture.CreateHost(new Dictionary<string, string?> { ["Chain:ChainId"] = "1" });
        using var client = host.CreateHttpClient();
        using var response = await client.GetAsync("/health/ready");
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, body);
        body.ShouldContain("expected 1");
    }

    [Fact]
    public async Task Live_DoesNotDependOnTheServers()
    {
        await using var host = fixture.CreateHost(new Dictionary<string, string?> { ["Chain:RpcUrl"] = $"http://127.0.0.1:{ClosedPort()}" });
        using var client = host.CreateHttpClient();
        using var response = await client.GetAsync("/health/live");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task About_NamesTheServiceAndTheChain()
    {
        var about = await fixture.Client.GetFromJsonAsync<JsonElement>($"{Prefix}/about");
        about.GetProperty("service").GetString().ShouldBe(fixture.ServiceName);
        about.GetProperty("chainId").GetInt64().ShouldBe(TestServers.ChainId);
    }

    [Fact]
    public async Task UnknownResource_IsAProblem404()
    {
        using var response = await fixture.Client.GetAsync($"{Prefix}/diagnostics/pings/{Guid.NewGuid()}");
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("status").GetInt32().ShouldBe(404);
        problem.GetProperty("traceId").GetString().ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task InvalidRequest_IsAValidationProblem400_AndStoresNothing()
    {
        using var response = await fixture.Client.PostAsJsonAsync($"{Prefix}/diagnostics/pings", new { note = new string('x', 201) });
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").GetProperty("Note").GetArrayLength().ShouldBe(1);
        response.Headers.Location.ShouldBeNull();
    }

    [Fact]
    public async Task MalformedJson_IsAProblem400()
    {
        using var content = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json");
        using var response = await fixture.Client.PostAsync($"{Prefix}/diagnostics/pings", content);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task WithoutIdentity_IsAProblem401()
    {
        using var response = await fixture.Anonymous.PostAsJsonAsync($"{Prefix}/diagnostics/pings", new { note = "who am I" });
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task IdentitySignedWithAnotherKey_IsRejected()
    {
        var forger = new MaaS.ServiceDefaults.Identity.IdentityTokens(
            new MaaS.ServiceDefaults.Identity.IdentityOptions { SigningKey = Convert.ToBase64String(new byte[32]) }, TimeProvider.System);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Prefix}/diagnostics/pings") { Content = JsonContent.Create(new { note = "forged" }) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", forger.Mint(TestMembers.Operator));
        using var response = await fixture.Anonymous.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ReadScope_CannotWrite()
    {
        using var client = fixture.Environment.ClientFor(fixture.Host.Address, TestMembers.Reader);
        using var response = await client.PostAsJsonAsync($"{Prefix}/diagnostics/pings", new { note = "read only" });
        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheServiceRoutes()
    {
        var document = await fixture.Client.GetStringAsync("/openapi/v1.json");
        document.ShouldContain($"{Prefix}/diagnostics/pings");
    }

    [Fact]
    public async Task Ping_IsProjectedInline_AndComesBackThroughTheBus()
    {
        using var sent = await fixture.Client.PostAsJsonAsync($"{Prefix}/diagnostics/pings", new { note = "basics" });
        sent.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var location = sent.Headers.Location ?? throw new ShouldAssertException("no Location header");

        // Inline projection: readable as soon as the append committed.
        var log = await fixture.Client.GetFromJsonAsync<JsonElement>(location);
        log.GetProperty("origin").GetString().ShouldBe(fixture.ServiceName);
        log.GetProperty("note").GetString().ShouldBe("basics");

        // Outbox → RabbitMQ → this service's own consumer → appended again to the same stream.
        await Eventually.TrueAsync(async () =>
        {
            var current = await fixture.Client.GetFromJsonAsync<JsonElement>(location);
            return current.GetProperty("heardBy").EnumerateArray().Any(s => s.GetString() == fixture.ServiceName);
        }, $"{fixture.ServiceName} to hear its own ping");
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
