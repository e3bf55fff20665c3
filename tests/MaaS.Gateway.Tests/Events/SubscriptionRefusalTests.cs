using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MaaS.Testing;
using Shouldly;

namespace MaaS.Gateway.Tests.Events;

[Collection(EventsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class SubscriptionRefusalTests(EventsFixture fixture)
{
    private const string Registered = "services.maas.machine.registered.v1";

    [Theory]
    [InlineData("ftp://example.org/hook")]
    [InlineData("/relative/hook")]
    [InlineData("not a url")]
    [InlineData("")]
    public async Task BadUrl_Is422_AndNothingIsCreated(string url)
    {
        using var client = fixture.As(fixture.Customer);
        var before = (await client.GetAsync<JsonElement>("/api/subscriptions")).GetArrayLength();
        using var response = await client.PostJsonAsync("/api/subscriptions", new { url, eventTypes = new[] { Registered } });
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "validation");
        problem.GetProperty("errors").TryGetProperty("url", out _).ShouldBeTrue();
        (await client.GetAsync<JsonElement>("/api/subscriptions")).GetArrayLength().ShouldBe(before);
    }

    [Fact]
    public async Task UnknownOrMissingEventType_Is422()
    {
        using var client = fixture.As(fixture.Customer);
        using var unknown = await client.PostJsonAsync("/api/subscriptions", new { url = fixture.Receiver.UrlFor("x"), eventTypes = new[] { Registered, "services.maas.machine.exploded.v1" } });
        var problem = await unknown.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "validation");
        problem.GetProperty("errors").GetProperty("eventTypes")[0].GetString()!.ShouldContain("services.maas.machine.exploded.v1");
        using var none = await client.PostJsonAsync("/api/subscriptions/amqp", new { eventTypes = Array.Empty<string>() });
        await none.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "validation");
        using var stream = await client.GetAsync("/api/events?types=nope");
        await stream.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "validation");
    }

    [Fact]
    public async Task AnotherMembersSubscription_IsNotFound_ForEveryVerb()
    {
        var id = await fixture.SubscribeAsync(fixture.Customer, "own-" + Guid.NewGuid().ToString("N")[..8], [Registered]);
        using var stranger = fixture.As(fixture.Stranger);
        await (await stranger.GetAsync($"/api/subscriptions/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await stranger.GetAsync($"/api/subscriptions/{id}/deliveries")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await stranger.PostJsonAsync($"/api/subscriptions/{id}/redeliveries", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await stranger.PostJsonAsync($"/api/subscriptions/{id}/deliveries/{Guid.NewGuid()}/redeliveries", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await stranger.DeleteAsync($"/api/subscriptions/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        (await stranger.GetAsync<JsonElement>("/api/subscriptions")).EnumerateArray().ShouldNotContain(s => s.GetProperty("id").GetGuid() == id);

        // Still there for its owner, without its secret; then gone.
        using var owner = fixture.As(fixture.Customer);
        using var own = await owner.GetAsync($"/api/subscriptions/{id}");
        var body = await own.Content.ReadAsStringAsync();
        own.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        body.ShouldNotContain("whsec_");
        (await owner.DeleteAsync($"/api/subscriptions/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await (await owner.GetAsync($"/api/subscriptions/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ReadOnlyKey_CannotSubscribe_ButReads()
    {
        using var customer = fixture.As(fixture.Customer);
        var issued = await (await customer.PostAsJsonAsync("/api/machines/members/me/keys", new { scope = "read", name = "events-reader" }))
            .ReadAsync<JsonElement>(HttpStatusCode.Created);
        using var reader = fixture.Gateway.CreateHttpClient();
        reader.DefaultRequestHeaders.Add("X-Api-Key", issued.GetProperty("apiKey").GetString());
        using var create = await reader.PostJsonAsync("/api/subscriptions", new { url = fixture.Receiver.UrlFor("ro"), eventTypes = new[] { Registered } });
        await create.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "read-only-credential");
        using var amqp = await reader.PostJsonAsync("/api/subscriptions/amqp", new { eventTypes = new[] { Registered } });
        await amqp.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "read-only-credential");
        (await reader.GetAsync("/api/subscriptions")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("GET", "/api/subscriptions")]
    [InlineData("POST", "/api/subscriptions")]
    [InlineData("POST", "/api/subscriptions/amqp")]
    [InlineData("GET", "/api/events")]
    [InlineData("GET", "/api/events/types")]
    public async Task Anonymous_Is401(string method, string path)
    {
        using var anonymous = fixture.Anonymous();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST") request.Content = JsonContent.Create(new { url = "http://127.0.0.1:9/x", eventTypes = new[] { Registered } });
        using var response = await anonymous.SendAsync(request);
        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task MergedOpenApi_DescribesTheGatewaysOwnEndpoints()
    {
        using var anonymous = fixture.Anonymous();
        var document = await anonymous.GetAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");
        paths.TryGetProperty("/api/subscriptions", out var subscriptions).ShouldBeTrue();
        subscriptions.TryGetProperty("post", out _).ShouldBeTrue();
        paths.TryGetProperty("/api/subscriptions/amqp", out _).ShouldBeTrue();
        paths.TryGetProperty("/api/subscriptions/{subscriptionId}/deliveries", out _).ShouldBeTrue();
        paths.TryGetProperty("/api/events", out _).ShouldBeTrue();
        paths.TryGetProperty("/api/machines", out _).ShouldBeTrue();
    }
}
