using System.Text.Json;
using MaaS.Testing;
using Shouldly;

namespace MaaS.Gateway.Tests.Events;

[Collection(EventsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class TwoInstancesTests(EventsFixture fixture)
{
    [Fact]
    public async Task TwoGatewayInstances_ShareTheQueueAndTheOutbox_AndDeliverEachEventOnce()
    {
        await using var second = new ServiceHost<GatewayApi>(fixture.GatewaySettings());
        _ = second.Address;
        using var management = fixture.Management();
        // Each instance consumes the one queue (the management API's figures lag a few seconds behind).
        await Eventually.TrueAsync(async () => (await management.GetAsync<JsonElement>($"api/queues/{fixture.Environment.Name}/gateway-partner-events"))
            .GetProperty("consumers").GetInt32() == 2, "both instances to consume gateway-partner-events", TimeSpan.FromSeconds(30));

        var hook = "twice-" + Guid.NewGuid().ToString("N")[..8];
        var subscription = await fixture.SubscribeAsync(fixture.Customer, hook, ["services.maas.machine.registered.v1", "services.maas.machine.accepted.v1"]);
        var machines = await Task.WhenAll(fixture.ProvisionAsync(fixture.Customer), fixture.ProvisionAsync(fixture.Customer), fixture.ProvisionAsync(fixture.Customer));

        // Only this test's machines count: a late event of an earlier test's machine may reach the subscription too.
        bool Ours(JsonElement delivery) => machines.Contains(delivery.GetProperty("machineId").GetGuid());
        using var customer = fixture.As(fixture.Customer);
        await Eventually.TrueAsync(async () =>
        {
            var log = await customer.GetAsync<JsonElement>($"/api/subscriptions/{subscription}/deliveries");
            return log.EnumerateArray().Count(d => Ours(d) && d.GetProperty("status").GetString() == "delivered") == 2 * machines.Length;
        }, "every event to be delivered", TimeSpan.FromSeconds(90));
        var log = await customer.GetAsync<JsonElement>($"/api/subscriptions/{subscription}/deliveries");
        log.EnumerateArray().Where(Ours).ShouldAllBe(d => d.GetProperty("attempts").GetInt32() == 1);
        var posts = fixture.Receiver.For(hook).Where(p => machines.Contains(Guid.Parse(p.Subject))).ToList();
        posts.Count.ShouldBe(2 * machines.Length);
        posts.Select(p => p.Id).Distinct().Count().ShouldBe(posts.Count, "no event is posted twice");
        posts.Select(p => p.Subject).Distinct().ShouldBe(machines.Select(m => m.ToString()), ignoreOrder: true);
    }
}
