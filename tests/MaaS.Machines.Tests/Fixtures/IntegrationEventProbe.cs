using System.Collections.Concurrent;
using MassTransit;
using Contract = MaaS.Contracts.Machines;

namespace MaaS.Machines.Tests.Fixtures;

/// <summary>One integration event as the test's own consumer received it.</summary>
public sealed record Received(Guid? MessageId, object Message, DateTimeOffset At);

/// <summary>
/// A consumer of the Machines service's integration events on the environment's virtual host, as another service
/// would be: its own queue, bound (by MassTransit's conventions) to the exchange of each message type, e.g.
/// <c>MaaS.Contracts.Machines:MachineRegistered</c>. Started before anything is published, so it misses nothing.
/// </summary>
public sealed class IntegrationEventProbe : IAsyncDisposable
{
    private readonly ConcurrentQueue<Received> received = new();
    private IBusControl bus = null!;

    public static async Task<IntegrationEventProbe> StartAsync(Uri rabbitMq)
    {
        var probe = new IntegrationEventProbe();
        var credentials = Uri.UnescapeDataString(rabbitMq.UserInfo).Split(':', 2);
        probe.bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(rabbitMq.Host, (ushort)rabbitMq.Port, Uri.UnescapeDataString(rabbitMq.AbsolutePath.Trim('/')), h =>
            {
                h.Username(credentials[0]);
                h.Password(credentials.Length > 1 ? credentials[1] : "");
            });
            rabbit.ReceiveEndpoint("machines-tests-probe", endpoint =>
            {
                probe.Record<Contract.MachineRegistered>(endpoint);
                probe.Record<Contract.MachineAccepted>(endpoint);
                probe.Record<Contract.MachineStarted>(endpoint);
                probe.Record<Contract.MachineStopped>(endpoint);
                probe.Record<Contract.MachineReset>(endpoint);
                probe.Record<Contract.MachineTerminated>(endpoint);
                probe.Record<Contract.MemberJoined>(endpoint);
                probe.Record<Contract.MemberRevoked>(endpoint);
                probe.Record<Contract.MaintainerAccredited>(endpoint);
            });
        });
        await probe.bus.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        return probe;
    }

    /// <summary>Every message of type <typeparamref name="T"/> received so far, in arrival order.</summary>
    public IReadOnlyList<T> All<T>() where T : class => [.. received.Select(r => r.Message).OfType<T>()];

    public IReadOnlyList<Received> Everything => [.. received];

    private void Record<T>(IRabbitMqReceiveEndpointConfigurator endpoint) where T : class =>
        endpoint.Handler<T>(context =>
        {
            received.Enqueue(new Received(context.MessageId, context.Message, DateTimeOffset.UtcNow));
            return Task.CompletedTask;
        });

    public async ValueTask DisposeAsync() => await bus.StopAsync();
}
