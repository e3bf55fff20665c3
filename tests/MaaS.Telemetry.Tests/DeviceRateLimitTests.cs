using System.Net;
using MaaS.Telemetry.Tests.Infrastructure;
using Nethereum.Signer;
using Shouldly;

namespace MaaS.Telemetry.Tests;

/// <summary>Buckets of 3 requests refilled once a second, so a short loop of one device's requests must meet the limit.</summary>
public sealed class TightDeviceLimitEnvironment : TelemetryEnvironment
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Telemetry:DeviceRateLimit:PermitsPerSecond"] = "1",
        ["Telemetry:DeviceRateLimit:Burst"] = "3",
    };
}

[Trait("Category", "Integration")]
public sealed class DeviceRateLimitTests(TightDeviceLimitEnvironment environment) : IClassFixture<TightDeviceLimitEnvironment>
{
    private async Task<HttpResponseMessage> PostAsync(string body) =>
        await environment.Devices.PostAsync("/api/telemetry/readings", TestDevice.Json(body));

    /// <summary>
    /// Sends request <c>body(1)</c>, <c>body(2)</c>, … until a 429 comes back; the answers before it must all be
    /// <paramref name="passing"/>. The number of the refused request with the answer.
    /// </summary>
    private async Task<(int Number, HttpResponseMessage Refused)> FirstRefusalAsync(Func<int, string> body, HttpStatusCode passing)
    {
        for (var i = 1; i <= 100; i++)
        {
            var response = await PostAsync(body(i));
            if (response.StatusCode == HttpStatusCode.TooManyRequests) return (i, response);
            response.StatusCode.ShouldBe(passing, await response.Content.ReadAsStringAsync());
            response.Dispose();
        }
        throw new ShouldAssertException("100 requests of one device passed a bucket of 3 refilled once a second.");
    }

    [Fact]
    public async Task ADevice_OverItsBudget_Gets429WithRetryAfter_AndStoresNothing_WhileAnotherDevicePasses()
    {
        var busy = await environment.RegisterMachineAsync();
        var other = await environment.RegisterMachineAsync();
        // Request n carries reading n alone, so what was stored tells which requests got through.
        var (number, answer) = await FirstRefusalAsync(n => busy.Body(busy.Readings(n, 1)), HttpStatusCode.Accepted);
        using var refused = answer;
        refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = TestDevice.Parse(await refused.Content.ReadAsStringAsync());
        problem.GetProperty("type").GetString()!.ShouldEndWith("/rate-limited");
        refused.Headers.RetryAfter?.Delta.ShouldNotBeNull();
        refused.Headers.RetryAfter!.Delta!.Value.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1));

        // The refused request stored nothing: its reading is not there, every one before it is.
        var status = await environment.StatusAsync(busy);
        status.GetProperty("readingCount").GetInt64().ShouldBe(number - 1);
        status.GetProperty("lastSeq").GetInt64().ShouldBe(number - 1);

        (await environment.PostAcceptedAsync(other.Body(other.Readings(1, 3)))).GetProperty("stored").GetInt32().ShouldBe(3);
    }

    [Fact]
    public async Task RequestsSignedByAnotherKey_DoNotSpendTheNamedDevicesBudget()
    {
        var victim = await environment.RegisterMachineAsync();
        var forger = EthECKey.GenerateKey();
        var forged = victim.Body(victim.Readings(1, 1), signer: forger);

        // The forger's own budget runs out (its key is the partition), with 401s until then: it is no device.
        var (_, refused) = await FirstRefusalAsync(_ => forged, HttpStatusCode.Unauthorized);
        refused.Dispose();

        // The machine it names was never charged: its device's first request passes.
        (await environment.PostAcceptedAsync(victim.Body(victim.Readings(1, 2)))).GetProperty("stored").GetInt32().ShouldBe(2);
    }
}
