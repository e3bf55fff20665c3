using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MaaS.Gateway.Events.Delivering;
using MaaS.Testing;
using Shouldly;

namespace MaaS.Gateway.Tests.Events;

/// <summary>Webhooks are kept off the gateway's own network unless <c>Gateway:Events:AllowPrivateNetworks</c> says otherwise.</summary>
[Collection(EventsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class WebhookDestinationTests(EventsFixture fixture)
{
    private const string Registered = "services.maas.machine.registered.v1";

    private static readonly string[] InsideUrls =
    [
        "http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://[::1]:9/hook", "http://[::ffff:127.0.0.1]:9/hook", "http://10.1.2.3/hook",
        "http://172.20.0.5/hook", "http://192.168.1.10/hook", "http://169.254.169.254/latest/meta-data/", "http://100.64.0.1/hook",
        "http://[fd00::1]/hook", "http://0.0.0.0:9/hook",
    ];

    [Fact]
    public async Task AGatewayForPublicAddressesOnly_RefusesEveryUrlOnItsOwnNetwork_With422_AndCreatesNothing()
    {
        var settings = fixture.GatewaySettings();
        settings["Gateway:Events:AllowPrivateNetworks"] = "false";
        await using var strict = new ServiceHost<GatewayApi>(settings);
        using var client = strict.CreateHttpClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", fixture.Customer.ApiKey);
        var before = await fixture.ScalarAsync<long>("SELECT count(*) FROM gateway.subscriptions WHERE owner_id = $1", fixture.Customer.MemberId);

        foreach (var url in InsideUrls)
        {
            using var response = await client.PostJsonAsync("/api/subscriptions", new { url, eventTypes = new[] { Registered } });
            var problem = await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "validation");
            problem.GetProperty("errors").GetProperty("url")[0].GetString()!.ShouldContain("not a public address", customMessage: url);
        }
        using (var unresolvable = await client.PostJsonAsync("/api/subscriptions", new { url = "https://no-such-host.invalid/hook", eventTypes = new[] { Registered } }))
        {
            var problem = await unresolvable.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "validation");
            problem.GetProperty("errors").GetProperty("url")[0].GetString()!.ShouldContain("does not resolve");
        }
        (await fixture.ScalarAsync<long>("SELECT count(*) FROM gateway.subscriptions WHERE owner_id = $1", fixture.Customer.MemberId)).ShouldBe(before);

        // The same URL is accepted where private networks are allowed (the fixture's gateway): the check is the setting's.
        using var permissive = fixture.As(fixture.Customer);
        using var accepted = await permissive.PostJsonAsync("/api/subscriptions", new { url = InsideUrls[0], eventTypes = new[] { Registered } });
        accepted.StatusCode.ShouldBe(HttpStatusCode.Created);
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        (await permissive.DeleteAsync($"/api/subscriptions/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task TheWebhookConnection_ToALoopbackReceiver_IsRefused_UnlessPrivateNetworksAreAllowed()
    {
        // A name can resolve to a public address at subscription and to an internal one at delivery (DNS rebinding), so
        // the delivery client checks every connection it opens: this is the connect step the webhook client uses.
        var hook = "guarded-" + Guid.NewGuid().ToString("N")[..8];
        using var guarded = new HttpClient(new SocketsHttpHandler { ConnectCallback = WebhookDestinations.Connect(allowPrivateNetworks: false) });
        var refused = await Should.ThrowAsync<HttpRequestException>(() => guarded.PostAsync(fixture.Receiver.UrlFor(hook), Json()));
        refused.Message.ShouldContain("no public address");
        fixture.Receiver.For(hook).ShouldBeEmpty();

        using var open = new HttpClient(new SocketsHttpHandler { ConnectCallback = WebhookDestinations.Connect(allowPrivateNetworks: true) });
        using var delivered = await open.PostAsync(fixture.Receiver.UrlFor(hook), Json());
        delivered.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        fixture.Receiver.For(hook).Count.ShouldBe(1);
    }

    [Theory]
    [InlineData("8.8.8.8", true)]
    [InlineData("1.1.1.1", true)]
    [InlineData("2606:4700:4700::1111", true)]
    [InlineData("::ffff:8.8.8.8", true)]
    [InlineData("127.0.0.53", false)]
    [InlineData("10.255.255.255", false)]
    [InlineData("172.31.255.1", false)]
    [InlineData("172.32.0.1", true)]
    [InlineData("192.168.0.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fc00::1", false)]
    [InlineData("::ffff:192.168.0.1", false)]
    public void Addresses_AreJudgedPublicOrNot(string address, bool isPublic) =>
        WebhookDestinations.IsPublic(IPAddress.Parse(address)).ShouldBe(isPublic);

    private static ByteArrayContent Json() =>
        new(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { specversion = "1.0", id = Guid.NewGuid(), type = Registered })))
        { Headers = { ContentType = new("application/json") } };
}
