using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MaaS.Testing;
using Nethereum.Web3;
using Shouldly;

namespace MaaS.EndToEnd.Tests;

[Trait("Category", "Integration")]
public sealed class StackTests(StackFixture stack) : IClassFixture<StackFixture>
{
    public static TheoryData<string> Services => [.. StackFixture.ServiceNames];

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Gateway_RoutesARequestToEachService(string service)
    {
        var about = await stack.Client.GetFromJsonAsync<JsonElement>($"/api/{service}/about");
        about.GetProperty("service").GetString().ShouldBe(service);
    }

    [Fact]
    public async Task Gateway_Health_AggregatesTheReadinessOfEveryService()
    {
        using var response = await stack.Client.GetAsync("/health");
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        var services = JsonDocument.Parse(body).RootElement.GetProperty("services");
        foreach (var name in StackFixture.ServiceNames)
            services.GetProperty(name)[0].GetProperty("status").GetString().ShouldBe("Healthy", body);
    }

    [Fact]
    public async Task Gateway_UnknownRoute_Is404()
    {
        using var response = await stack.Client.GetAsync("/api/nowhere/at-all");
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Gateway_ServiceProblems_PassThroughUnchanged()
    {
        using var response = await stack.Client.GetAsync($"/api/invoicing/diagnostics/pings/{Guid.NewGuid()}");
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task Message_PublishedByOneService_IsConsumedByEveryOther()
    {
        using var sent = await stack.Client.PostAsJsonAsync("/api/machines/diagnostics/pings", new { note = "end to end" });
        sent.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        foreach (var service in StackFixture.ServiceNames.Where(s => s != "machines"))
        {
            var heard = await Eventually.GetAsync(async () =>
            {
                using var response = await stack.Client.GetAsync($"/api/{service}/diagnostics/pings/{id}");
                return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()) : null;
            }, $"{service} to record ping {id}");
            heard.RootElement.GetProperty("origin").GetString().ShouldBe("machines");
            heard.RootElement.GetProperty("heardBy").EnumerateArray().Select(e => e.GetString()).ShouldContain(service);
        }
    }

    [Fact]
    public async Task MartenAppend_WithInlineProjection_RoundTrips()
    {
        using var sent = await stack.Client.PostAsJsonAsync("/api/anchoring/diagnostics/pings", new { note = "round trip" });
        var location = sent.Headers.Location!;
        var projected = await stack.Client.GetFromJsonAsync<JsonElement>(location);
        projected.GetProperty("note").GetString().ShouldBe("round trip");
        projected.GetProperty("origin").GetString().ShouldBe("anchoring");
        projected.GetProperty("sentAt").ValueKind.ShouldBe(JsonValueKind.String);
    }

    [Fact]
    public async Task EvmNode_Answers()
    {
        var web3 = new Web3(stack.Environment.RpcUrl.ToString());
        ((long)(await web3.Eth.ChainId.SendRequestAsync()).Value).ShouldBe(TestServers.ChainId);
        var accounts = await web3.Eth.Accounts.SendRequestAsync();
        accounts.Length.ShouldBeGreaterThanOrEqualTo(10);
    }

    [Fact]
    public async Task Gateway_WithoutAnApiKey_IsRefusedByTheService()
    {
        using var response = await stack.Anonymous.PostAsJsonAsync("/api/machines/diagnostics/pings", new { note = "anonymous" });
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task Gateway_UnknownApiKey_Is401AtTheGateway()
    {
        using var client = stack.ClientWithKey("maas_not-a-real-key");
        using var response = await client.GetAsync("/api/machines/members/me");
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Gateway_ABearerTokenFromOutside_IsNeverPassedOn()
    {
        // A caller who forged a service identity (signed with the real key, even) must not get it through the gateway.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/machines/members/me");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", stack.Environment.Tokens.Mint(TestMembers.Operator));
        request.Headers.Add("X-MaaS-Member", "operator");
        using var response = await stack.Anonymous.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Gateway_OperatorApiKey_IsTheOperator()
    {
        var me = await stack.Client.GetFromJsonAsync<JsonElement>("/api/machines/members/me");
        me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ShouldContain("operator");
        me.GetProperty("account").GetString().ShouldBe(stack.Environment.Operator.GetPublicAddress(), StringCompareShould.IgnoreCase);
    }
}
