using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using MaaS.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using Shouldly;

namespace MaaS.Gateway.Tests.Events;

[Collection(EventsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class PartnerQueueTests(EventsFixture fixture)
{
    private static readonly string[] Types = ["services.maas.machine.registered.v1", "services.maas.machine.accepted.v1"];

    private sealed record Amqp(Guid Id, string Host, int Port, string VirtualHost, string Username, string Password, string Queue);

    private async Task<Amqp> SubscribeAsync(Member member)
    {
        using var client = fixture.As(member);
        using var response = await client.PostJsonAsync("/api/subscriptions/amqp", new { eventTypes = Types });
        var created = await response.ReadAsync<JsonElement>(HttpStatusCode.Created);
        var amqp = created.GetProperty("amqp");
        return new Amqp(created.GetProperty("id").GetGuid(), amqp.GetProperty("host").GetString()!, amqp.GetProperty("port").GetInt32(),
            amqp.GetProperty("virtualHost").GetString()!, amqp.GetProperty("username").GetString()!, amqp.GetProperty("password").GetString()!,
            amqp.GetProperty("queue").GetString()!);
    }

    private static Task<IConnection> ConnectAsync(Amqp amqp) => new ConnectionFactory
    {
        HostName = amqp.Host, Port = amqp.Port, VirtualHost = amqp.VirtualHost, UserName = amqp.Username, Password = amqp.Password,
    }.CreateConnectionAsync();

    [Fact]
    public async Task PartnerQueue_ReceivesExactlyTheEventsItMaySee_AndItsUserReachesNothingElse()
    {
        var customer = await SubscribeAsync(fixture.Customer);
        var stranger = await SubscribeAsync(fixture.Stranger);
        customer.Queue.ShouldNotBe(stranger.Queue);

        // A plain AMQP client with the partner's credentials, as any partner would consume.
        await using var connection = await ConnectAsync(customer);
        await using var channel = await connection.CreateChannelAsync();
        var got = new ConcurrentQueue<(string Type, string ContentType, bool Persistent, JsonElement CloudEvent)>();
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            var cloudEvent = JsonDocument.Parse(delivery.Body).RootElement.Clone();
            got.Enqueue((delivery.BasicProperties.Type ?? "", delivery.BasicProperties.ContentType ?? "", delivery.BasicProperties.Persistent, cloudEvent));
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        };
        await channel.BasicConsumeAsync(customer.Queue, autoAck: false, consumer);

        var strangersMachine = await fixture.ProvisionAsync(fixture.Stranger);
        var customersMachine = await fixture.ProvisionAsync(fixture.Customer);

        // The stranger's queue got its own machine's events (so they were handled and fanned out)...
        await Eventually.TrueAsync(async () => await fixture.ScalarAsync<long>(
            "SELECT count(*) FROM gateway.deliveries d JOIN gateway.events e ON e.seq = d.event_seq WHERE d.subscription_id = $1 AND d.status = 'delivered' AND e.machine_id = $2",
            stranger.Id, strangersMachine) == 2, "the stranger's queue to get its machine's events", TimeSpan.FromSeconds(60));
        // ...and the customer's exactly its machine's.
        await Eventually.TrueAsync(async () =>
        {
            await Task.Yield();
            return got.Count(g => g.CloudEvent.GetProperty("subject").GetString() == customersMachine.ToString()) == 2;
        }, "the customer's queue to get its machine's events", TimeSpan.FromSeconds(60));
        got.ShouldAllBe(g => g.CloudEvent.GetProperty("subject").GetString() != strangersMachine.ToString());
        got.Select(g => g.Type).ShouldBeSubsetOf(Types);
        got.ShouldAllBe(g => g.ContentType == "application/cloudevents+json" && g.Persistent);
        got.ShouldAllBe(g => g.CloudEvent.GetProperty("specversion").GetString() == "1.0");

        // The credentials reach that one queue: no declaring, binding, or reading another.
        await ShouldBeRefusedAsync(connection, c => c.QueueDeclareAsync("maas.partner.mine-too", durable: false, exclusive: false, autoDelete: true));
        await ShouldBeRefusedAsync(connection, c => c.QueueBindAsync(customer.Queue, "amq.topic", "#"));
        await ShouldBeRefusedAsync(connection, c => c.BasicGetAsync(stranger.Queue, autoAck: true));
        await ShouldBeRefusedAsync(connection, async c => await c.BasicConsumeAsync(stranger.Queue, autoAck: true, new AsyncEventingBasicConsumer(c)));
        // A passive declare of its own queue is fine (clients often do one before consuming).
        await using (var passive = await connection.CreateChannelAsync())
            (await passive.QueueDeclarePassiveAsync(customer.Queue)).QueueName.ShouldBe(customer.Queue);

        // Deleting the subscription deletes the user and the queue.
        using var client = fixture.As(fixture.Customer);
        (await client.DeleteAsync($"/api/subscriptions/{customer.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await Should.ThrowAsync<BrokerUnreachableException>(() => ConnectAsync(customer));
    }

    [Fact]
    public async Task MissingQueue_FailsEachAttempt_ThenTheDeliveryIsDeadLettered()
    {
        var partner = await SubscribeAsync(fixture.Customer);
        // The queue vanishes behind the gateway's back (an administrator deleted it): a publish is returned, not lost silently.
        using (var management = fixture.Management())
            (await management.DeleteAsync($"api/queues/{Uri.EscapeDataString(partner.VirtualHost)}/{partner.Queue}")).IsSuccessStatusCode.ShouldBeTrue();
        var machineId = await fixture.ProvisionAsync(fixture.Customer, accept: false);

        using var customer = fixture.As(fixture.Customer);
        var dead = await Eventually.GetAsync(async () =>
        {
            var log = await customer.GetAsync<JsonElement>($"/api/subscriptions/{partner.Id}/deliveries?status=dead");
            return log.EnumerateArray().Where(d => d.GetProperty("machineId").GetGuid() == machineId).Select(d => new[] { d.Clone() }).FirstOrDefault();
        }, "the delivery to the missing queue to be dead-lettered", TimeSpan.FromSeconds(60));
        dead[0].GetProperty("attempts").GetInt32().ShouldBe(EventsFixture.MaxAttempts);
        dead[0].GetProperty("attemptLog").EnumerateArray().ShouldAllBe(a => a.GetProperty("error").GetString()!.Contains("NO_ROUTE"));
    }

    private static async Task ShouldBeRefusedAsync(IConnection connection, Func<IChannel, Task> act)
    {
        await using var channel = await connection.CreateChannelAsync();
        var refused = await Should.ThrowAsync<OperationInterruptedException>(() => act(channel));
        refused.ShutdownReason!.ReplyCode.ShouldBe((ushort)403, refused.Message);
    }
}
