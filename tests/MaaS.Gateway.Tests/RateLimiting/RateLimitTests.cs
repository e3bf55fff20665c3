using System.Net;
using System.Net.Http.Json;
using MaaS.Testing;
using Shouldly;

namespace MaaS.Gateway.Tests.RateLimiting;

[Collection(GatewayCollection.Name)]
[Trait("Category", "Integration")]
public sealed class RateLimitTests(GatewayFixture fixture)
{
    /// <summary>A gateway with tiny buckets (1 a second, bursts of 3), so a short loop of requests must meet the limit.</summary>
    private ServiceHost<GatewayApi> TightGateway()
    {
        var settings = fixture.GatewaySettings();
        foreach (var bucket in new[] { "Member", "IngestPerAddress", "Anonymous" })
        {
            settings[$"Gateway:RateLimits:{bucket}:PermitsPerSecond"] = "1";
            settings[$"Gateway:RateLimits:{bucket}:Burst"] = "3";
        }
        return new ServiceHost<GatewayApi>(settings);
    }

    private static async Task<HttpResponseMessage> FirstRefusalAsync(Func<Task<HttpResponseMessage>> send)
    {
        for (var i = 0; i < 100; i++)
        {
            var response = await send();
            if (response.StatusCode == HttpStatusCode.TooManyRequests) return response;
            response.Dispose();
        }
        throw new ShouldAssertException("100 requests passed a bucket of 3 refilled once a second.");
    }

    [Fact]
    public async Task Member_OverItsLimit_Gets429ProblemWithRetryAfter()
    {
        await using var gateway = TightGateway();
        using var client = fixture.WithKey(fixture.Environment.OperatorApiKey, gateway);
        using var refused = await FirstRefusalAsync(() => client.GetAsync("/api/machines/members/me"));

        await refused.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
        refused.Headers.RetryAfter?.Delta.ShouldNotBeNull();
        refused.Headers.RetryAfter!.Delta!.Value.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task IngestFromOneAddress_OverItsLimit_Gets429WithRetryAfter()
    {
        // The per-device limit is Telemetry's (by signing key; MaaS.Telemetry.Tests DeviceRateLimitTests); the gateway
        // bounds what one address may send to the unauthenticated ingest route.
        await using var gateway = TightGateway();
        using var client = gateway.CreateHttpClient();
        using var refused = await FirstRefusalAsync(() => client.PostAsJsonAsync("/api/telemetry/readings", new { machineId = Guid.NewGuid() }));

        await refused.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
        refused.Headers.RetryAfter?.Delta.ShouldNotBeNull();
    }

    [Fact]
    public async Task DefaultLimits_LetABurstOfIngestThrough()
    {
        // The defaults must not throttle ./maas bench ingest: 16 boxes from one address.
        using var client = fixture.Gateway.CreateHttpClient();
        var responses = await Task.WhenAll(Enumerable.Range(0, 300).Select(_ => client.PostAsJsonAsync("/api/telemetry/readings", new { machineId = "bench" })));
        responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests).ShouldBe(0);
        foreach (var response in responses) response.Dispose();
    }
}
