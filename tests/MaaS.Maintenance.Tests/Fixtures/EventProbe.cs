using System.Collections.Concurrent;
using MassTransit;
using Contract = MaaS.Contracts.Maintenance;

namespace MaaS.Maintenance.Tests.Fixtures;

/// <summary>One integration event as the test's own consumer received it.</summary>
public sealed record Received(Guid? MessageId, object Message, DateTimeOffset At);

/// <summary>
/// Another service, as far as the Maintenance service can tell: a consumer of its integration events on the
/// environment's virtual host (its own queue, bound to each message type's exchange), and a publisher of what the
/// Telemetry service would publish (<c>MachineFailureDetected</c>). Started before anything is published.
/// </summary>
public sealed class EventProbe : IAsyncDisposable
{
    private readonly ConcurrentQueue<Received> received = new();
    private IBusControl bus = null!;

    public static async Task<EventProbe> StartAsync(Uri rabbitMq)
    {
        var probe = new EventProbe();
        var credentials = Uri.UnescapeDataString(rabbitMq.UserInfo).Split(':', 2);
        probe.bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(rabbitMq.Host, (ushort)rabbitMq.Port, Uri.UnescapeDataString(rabbitMq.AbsolutePath.Trim('/')), h =>
            {
                h.Username(credentials[0]);
                h.Password(credentials.Length > 1 ? credentials[1] : "");
            });
            rabbit.ReceiveEndpoint("maintenance-tests-probe", endpoint =>
            {
                probe.Record<Contract.TicketOpened>(endpoint);
                probe.Record<Contract.TicketAccepted>(endpoint);
                probe.Record<Contract.BidPlaced>(endpoint);
                probe.Record<Contract.TicketAwarded>(endpoint);
                probe.Record<Contract.TicketCompleted>(endpoint);
                probe.Record<Contract.TicketClosed>(endpoint);
                probe.Record<Contract.TicketCancelled>(endpoint);
                probe.Record<Contract.MaintenanceSlaBreached>(endpoint);
            });
        });
        await probe.bus.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        return probe;
    }

    /// <summary>Every message of type <typeparamref name="T"/> received so far, in arrival order.</summary>
    public IReadOnlyList<T> All<T>() where T : class => [.. received.Select(r => r.Message).OfType<T>()];

    /// <summary>Every message of type <typeparamref name="T"/> with its message id.</summary>
    public IReadOnlyList<(Guid? MessageId, T Message)> Deliveries<T>() where T : class =>
        [.. received.Where(r => r.Message is T).Select(r => (r.MessageId, (T)r.Message))];

    public Task PublishAsync<T>(T message) where T : class => bus.Publish(message);

    private void Record<T>(IRabbitMqReceiveEndpointConfigurator endpoint) where T : class =>
        endpoint.Handler<T>(context =>
        {
            received.Enqueue(new Received(context.MessageId, context.Message, DateTimeOffset.UtcNow));
            return Task.CompletedTask;
        });

    public async ValueTask DisposeAsync() => await bus.StopAsync();
}
