using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Shouldly;

namespace MaaS.Gateway.Tests.Idempotency;

[Collection(GatewayCollection.Name)]
[Trait("Category", "Integration")]
public sealed class IdempotencyTests(GatewayFixture fixture)
{
    private static HttpRequestMessage Post(string key, object body, string marker, string path = "/api/invoicing/things")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        request.Headers.Add("X-Test-Marker", marker);
        return request;
    }

    [Fact]
    public async Task Retry_ReturnsTheFirstResponse_AndReachesTheServiceOnce()
    {
        var (key, marker) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        using var first = await fixture.Operator.SendAsync(Post(key, new { amount = 5 }, marker));
        var firstBody = await first.Content.ReadAsStringAsync();
        first.StatusCode.ShouldBe(HttpStatusCode.Created, firstBody);

        using var retry = await fixture.Operator.SendAsync(Post(key, new { amount = 5 }, marker));
        (await retry.Content.ReadAsStringAsync()).ShouldBe(firstBody);
        retry.StatusCode.ShouldBe(HttpStatusCode.Created);
        retry.Headers.Location.ShouldBe(first.Headers.Location);
        retry.Content.Headers.ContentType?.MediaType.ShouldBe("application/json");
        retry.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        fixture.Upstream.Hits(marker).ShouldBe(1);
    }

    [Fact]
    public async Task Duplicate_WhileTheFirstIsInFlight_Is409_ThenTheRetryGetsTheFirstResponse()
    {
        var (key, marker) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        var arrived = fixture.Upstream.HoldNext(marker);
        var first = fixture.Operator.SendAsync(Post(key, new { amount = 7 }, marker));
        await arrived.WaitAsync(TimeSpan.FromSeconds(30));

        using (var duplicate = await fixture.Operator.SendAsync(Post(key, new { amount = 7 }, marker)))
        {
            await duplicate.ShouldBeProblemAsync(HttpStatusCode.Conflict, "idempotency-in-flight");
            duplicate.Headers.RetryAfter.ShouldNotBeNull();
        }

        fixture.Upstream.Release(marker);
        using var answered = await first;
        var body = await answered.Content.ReadAsStringAsync();
        using var retry = await fixture.Operator.SendAsync(Post(key, new { amount = 7 }, marker));
        (await retry.Content.ReadAsStringAsync()).ShouldBe(body);
        fixture.Upstream.Hits(marker).ShouldBe(1);
    }

    [Fact]
    public async Task SameKey_WithAnotherBody_Is422()
    {
        var (key, marker) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        using var first = await fixture.Operator.SendAsync(Post(key, new { amount = 1 }, marker));
        first.StatusCode.ShouldBe(HttpStatusCode.Created);

        using var other = await fixture.Operator.SendAsync(Post(key, new { amount = 2 }, marker));
        await other.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");
        fixture.Upstream.Hits(marker).ShouldBe(1);
    }

    [Fact]
    public async Task Keys_BelongToTheCaller()
    {
        var (key, marker) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        var (_, otherKey) = await fixture.IssueKeyAsync("write");
        // The operator's second key is the same member: it shares the operator's keys. An anonymous caller does not.
        using var first = await fixture.Operator.SendAsync(Post(key, new { amount = 3 }, marker));
        using var anonymous = await fixture.Anonymous.SendAsync(Post(key, new { amount = 3 }, marker));
        anonymous.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        using var sameMember = await fixture.WithKey(otherKey).SendAsync(Post(key, new { amount = 3 }, marker));
        sameMember.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        fixture.Upstream.Hits(marker).ShouldBe(2);
    }

    [Fact]
    public async Task RealService_Retry_AnswersTheSameOperation()
    {
        // Machines answers a ping with its stored id: a replay must not create a second ping.
        var key = Guid.NewGuid().ToString();
        using var first = await fixture.Operator.SendAsync(Post(key, new { note = "once" }, "ping", "/api/machines/diagnostics/pings"));
        var id = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        using var retry = await fixture.Operator.SendAsync(Post(key, new { note = "once" }, "ping", "/api/machines/diagnostics/pings"));
        (await retry.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid().ShouldBe(id);
    }

    [Fact]
    public async Task OverlongKey_Is400Problem()
    {
        using var response = await fixture.Operator.SendAsync(Post(new string('k', 300), new { }, "long"));
        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation");
    }
}
