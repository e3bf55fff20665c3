using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MaaS.ServiceDefaults.Operations;
using MaaS.Testing;
using Shouldly;

namespace MaaS.Gateway.Tests.Events;

[Collection(EventsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class RevocationTests(EventsFixture fixture)
{
    [Fact]
    public async Task RevokedMember_LosesItsSubscriptions_AndItsBrokerUser()
    {
        var member = await fixture.JoinAsync("customer", "Leaving Ltd");
        await fixture.SubscribeAsync(member, "leaving-" + Guid.NewGuid().ToString("N")[..8], ["services.maas.machine.registered.v1"]);
        using (var client = fixture.As(member))
        using (var amqp = await client.PostJsonAsync("/api/subscriptions/amqp", new { eventTypes = new[] { "services.maas.machine.registered.v1" } }))
            amqp.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await fixture.ScalarAsync<long>("SELECT count(*) FROM gateway.subscriptions WHERE owner_account = $1", member.Account)).ShouldBe(2);
        var user = await fixture.ScalarAsync<string>("SELECT amqp_user FROM gateway.subscriptions WHERE owner_account = $1 AND kind = 'amqp'", member.Account);

        using var op = fixture.As(fixture.Operator);
        using var revoked = await op.DeleteAsync($"/api/machines/members/{member.MemberId}");
        var operation = await revoked.ReadAsync<OperationView>(HttpStatusCode.Accepted);
        await fixture.WaitForOperationAsync(fixture.Operator, operation.Id);

        await Eventually.TrueAsync(async () => await fixture.ScalarAsync<long>(
            "SELECT count(*) FROM gateway.subscriptions WHERE owner_account = $1", member.Account) == 0,
            "the revoked member's subscriptions to be deleted", TimeSpan.FromSeconds(60));
        using var management = fixture.Management();
        (await management.GetAsync($"api/users/{user}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task RevokedKey_StopsAtOnceOnEveryGatewayInstance_NotWhenItsCachedIdentityRunsOut()
    {
        // A second instance that would keep a resolved identity for ten minutes: only the revocation announcement can stop the key there.
        var settings = fixture.GatewaySettings();
        settings["Gateway:Identity:CacheFor"] = "00:10:00";
        await using var slow = new ServiceHost<GatewayApi>(settings);
        using var customer = fixture.As(fixture.Customer);
        var issued = await (await customer.PostAsJsonAsync("/api/machines/members/me/keys", new { scope = "write", name = "short-lived" }))
            .ReadAsync<JsonElement>(HttpStatusCode.Created);
        using var viaSlow = slow.CreateHttpClient();
        viaSlow.DefaultRequestHeaders.Add("X-Api-Key", issued.GetProperty("apiKey").GetString());
        (await viaSlow.GetAsync("/api/machines/members/me")).StatusCode.ShouldBe(HttpStatusCode.OK);   // resolved and cached there

        // Revoked through the other instance.
        (await customer.DeleteAsync($"/api/machines/members/me/keys/{issued.GetProperty("keyId").GetString()}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        await Eventually.TrueAsync(async () => (await viaSlow.GetAsync("/api/machines/members/me")).StatusCode == HttpStatusCode.Unauthorized,
            "the instance that cached the key to refuse it", TimeSpan.FromSeconds(60));
        // The customer's other key was forgotten too, and is simply resolved again.
        (await customer.GetAsync("/api/machines/members/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
