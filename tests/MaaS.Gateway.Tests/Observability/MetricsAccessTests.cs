using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MaaS.Testing;
using Shouldly;

namespace MaaS.Gateway.Tests.Observability;

/// <summary>The gateway's <c>/metrics</c> answers the operator or the configured scrape token, and nobody else.</summary>
[Collection(GatewayCollection.Name)]
[Trait("Category", "Integration")]
public sealed class MetricsAccessTests(GatewayFixture fixture)
{
    private const string ScrapeToken = "scrape-6f1d2c0b9a8e7d6c5b4a";

    private ServiceHost<GatewayApi> GatewayWithScrapeToken()
    {
        var settings = fixture.GatewaySettings();
        settings["Gateway:Metrics:ScrapeToken"] = ScrapeToken;
        return new ServiceHost<GatewayApi>(settings);
    }

    private static HttpClient WithBearer(ServiceHost<GatewayApi> gateway, string token)
    {
        var client = gateway.CreateHttpClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Fact]
    public async Task Metrics_WithoutCredentials_Is401Problem()
    {
        using var response = await fixture.Anonymous.GetAsync("/metrics");
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        problem.GetRawText().ShouldNotContain("http_server_request_duration");
    }

    [Fact]
    public async Task Metrics_ForTheOperator_AreServed_EvenWithAReadOnlyKey()
    {
        var (_, readOnly) = await fixture.IssueKeyAsync("read", "metrics reader");
        using var client = fixture.WithKey(readOnly);
        using var response = await client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        text.ShouldContain("# TYPE");
    }

    [Fact]
    public async Task Metrics_ForAMemberWhoIsNotTheOperator_Are403Problem()
    {
        var customer = await JoinAsync("customer", "Metrics Curious Co");
        using var client = fixture.WithKey(customer);
        using var response = await client.GetAsync("/metrics");
        await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Metrics_WithTheScrapeToken_AreServed_AndAWrongTokenIsRefused()
    {
        await using var gateway = GatewayWithScrapeToken();
        using (var scraper = WithBearer(gateway, ScrapeToken))
        using (var response = await scraper.GetAsync("/metrics"))
        {
            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
            text.ShouldContain("# TYPE");
        }
        using (var wrong = WithBearer(gateway, ScrapeToken + "x"))
        using (var response = await wrong.GetAsync("/metrics"))
            await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        // The scrape token opens /metrics only: elsewhere it is no credential at all.
        using (var elsewhere = WithBearer(gateway, ScrapeToken))
        using (var response = await elsewhere.GetAsync("/api/machines/members/me"))
            await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Metrics_WithoutAConfiguredScrapeToken_RefuseAnyBearer()
    {
        using var client = fixture.WithBearer(ScrapeToken);
        using var response = await client.GetAsync("/metrics");
        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    /// <summary>A member made the way a real one is: the operator invites on chain, the member redeems through the gateway.</summary>
    private async Task<string> JoinAsync(string role, string name)
    {
        using var invited = await fixture.Operator.PostAsJsonAsync("/api/machines/members/invitations", new { name, roles = new[] { role }, expiresInHours = 1 });
        var invitation = await invited.ShouldBeAsync(HttpStatusCode.Accepted);
        await WaitForFinalAsync(fixture.Operator, invitation.GetProperty("operationId").GetGuid());
        using var redeemed = await fixture.Anonymous.PostAsJsonAsync("/api/machines/members/redemptions", new { code = invitation.GetProperty("code").GetString(), name });
        var redemption = await redeemed.ShouldBeAsync(HttpStatusCode.Accepted);
        var apiKey = redemption.GetProperty("apiKey").GetString()!;
        using var member = fixture.WithKey(apiKey);
        await WaitForFinalAsync(member, redemption.GetProperty("operationId").GetGuid());
        await Eventually.TrueAsync(async () =>
        {
            using var me = await member.GetAsync("/api/machines/members/me");
            return me.IsSuccessStatusCode && JsonDocument.Parse(await me.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString() == "active";
        }, $"{name} to be active", TimeSpan.FromSeconds(60));
        return apiKey;
    }

    private static Task WaitForFinalAsync(HttpClient client, Guid operationId) =>
        Eventually.TrueAsync(async () =>
        {
            using var response = await client.GetAsync($"/api/machines/operations/{operationId}");
            if (!response.IsSuccessStatusCode) return false;
            var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString();
            return status == "Failed" ? throw new ShouldAssertException($"operation {operationId} failed") : status == "Final";
        }, $"operation {operationId} to be final", TimeSpan.FromSeconds(60));
}
