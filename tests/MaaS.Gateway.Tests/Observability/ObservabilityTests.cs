using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using MaaS.Testing;
using Shouldly;

namespace MaaS.Gateway.Tests.Observability;

[Collection(GatewayCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ObservabilityTests(GatewayFixture fixture)
{
    private static readonly ActivitySource Test = new("MaaS.Gateway.Tests");

    [Fact]
    public async Task Trace_RunsFromTheGateway_ThroughMachines_AndRabbitMq_IntoAnchoring()
    {
        using var recorder = new ActivityRecorder();
        ActivityTraceId trace;
        Guid pingId;
        using (var root = Test.StartActivity("erp request")!)
        {
            trace = root.TraceId;
            using var sent = await fixture.Operator.PostAsJsonAsync("/api/machines/diagnostics/pings", new { note = "traced" });
            pingId = (await sent.ShouldBeAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        }

        await Eventually.TrueAsync(async () => (await fixture.Operator.GetAsync($"/api/anchoring/diagnostics/pings/{pingId}")).IsSuccessStatusCode,
            "Anchoring to consume the ping");
        var spans = await Eventually.GetAsync(() =>
        {
            var all = recorder.Of(trace);
            var consumed = all.Any(a => a.Source.Name == "MassTransit" && a.Kind == ActivityKind.Consumer
                && a.TagObjects.Any(t => t.Value?.ToString()?.Contains("anchoring", StringComparison.Ordinal) == true));
            return Task.FromResult(consumed ? all : null);
        }, "the Anchoring consumer's span in the request's trace");

        spans.Count(a => a.Source.Name == "Microsoft.AspNetCore" && a.Kind == ActivityKind.Server).ShouldBeGreaterThanOrEqualTo(2, "gateway and Machines");
        spans.ShouldContain(a => a.Source.Name == "MaaS.Outbox");
        spans.ShouldContain(a => a.Source.Name == "MassTransit" && a.Kind == ActivityKind.Producer);
    }

    [Fact]
    public async Task Problems_AndResponses_CarryTheCorrelationId()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/machines/diagnostics/pings/{Guid.NewGuid()}");
        request.Headers.Add("X-Correlation-Id", "erp-order-4711");
        using var response = await fixture.Operator.SendAsync(request);
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.NotFound);
        problem.GetProperty("correlationId").GetString().ShouldBe("erp-order-4711");
        response.Headers.GetValues("X-Correlation-Id").ShouldBe(["erp-order-4711"]);

        // Refused at the gateway itself, without a given id: one is made (the trace id) and named in the problem.
        using var anonymous = fixture.WithKey("maas_unknown");
        using var refused = await anonymous.GetAsync("/api/machines/members/me");
        var gatewayProblem = await refused.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        var correlation = gatewayProblem.GetProperty("correlationId").GetString();
        correlation.ShouldNotBeNullOrEmpty();
        refused.Headers.GetValues("X-Correlation-Id").ShouldBe([correlation!]);
    }

    [Fact]
    public async Task Metrics_AreOnAPrometheusScrapeEndpoint()
    {
        using (var ingest = await fixture.Anonymous.PostAsJsonAsync("/api/telemetry/readings", new { machineId = "metrics" })) ingest.EnsureSuccessStatusCode();

        var text = await Eventually.GetAsync(async () =>
        {
            var body = await fixture.Operator.GetStringAsync("/metrics");
            return body.Contains("maas_ingest_requests", StringComparison.Ordinal) ? body : null;
        }, "the ingest counter on /metrics");
        text.ShouldContain("http_server_request_duration");

        using var machines = fixture.Machines.CreateHttpClient();
        var service = await machines.GetStringAsync("/metrics");
        service.ShouldContain("http_server_request_duration");
    }
}
