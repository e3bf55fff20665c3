using System.Collections.Concurrent;
using MaaS.Contracts.Telemetry;
using MaaS.Testing;
using MassTransit;

namespace MaaS.Telemetry.Tests.Infrastructure;

/// <summary>
/// A consumer on the environment's broker, in a queue of its own, recording every Telemetry message with its message id —
/// as another service would receive them.
/// </summary>
public sealed class MessageLog : IAsyncDisposable
{
    private readonly IBusControl bus;

    private MessageLog(IBusControl bus) => this.bus = bus;

    public ConcurrentQueue<(Guid? MessageId, TelemetryBatchSealed Message)> Batches { get; } = new();

    public ConcurrentQueue<(Guid? MessageId, object Message)> Events { get; } = new();

    public IPublishEndpoint Publisher => bus;

    public static async Task<MessageLog> StartAsync(IsolatedEnvironment environment)
    {
        MessageLog? log = null;
        var uri = environment.RabbitMq;
        var credentials = Uri.UnescapeDataString(uri.UserInfo).Split(':', 2);
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(uri.Host, (ushort)uri.Port, environment.Name, h =>
            {
                h.Username(credentials[0]);
                h.Password(credentials.Length > 1 ? credentials[1] : "");
            });
            rabbit.ReceiveEndpoint("tests-telemetry-log", endpoint =>
            {
                endpoint.Handler<TelemetryBatchSealed>(context => Record(() => log!.Batches.Enqueue((context.MessageId, context.Message))));
                endpoint.Handler<MachineFailureDetected>(context => Record(() => log!.Events.Enqueue((context.MessageId, context.Message))));
                endpoint.Handler<TelemetryGapDetected>(context => Record(() => log!.Events.Enqueue((context.MessageId, context.Message))));
                endpoint.Handler<TelemetryGapEnded>(context => Record(() => log!.Events.Enqueue((context.MessageId, context.Message))));
                endpoint.Handler<MachineRunningAgain>(context => Record(() => log!.Events.Enqueue((context.MessageId, context.Message))));
            });
        });
        log = new MessageLog(bus);
        await bus.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        return log;
    }

    private static Task Record(Action record)
    {
        record();
        return Task.CompletedTask;
    }

    public IReadOnlyList<TelemetryBatchSealed> BatchesOf(Guid machineId) =>
        [.. Batches.Select(b => b.Message).Where(b => b.MachineId == machineId).OrderBy(b => b.BatchSeq)];

    public IReadOnlyList<T> EventsOf<T>(Guid machineId) where T : class =>
        [.. Events.Select(e => e.Message).OfType<T>().Where(e => MachineOf(e) == machineId)];

    private static Guid MachineOf(object message) => message switch
    {
        MachineFailureDetected m => m.MachineId,
        TelemetryGapDetected m => m.MachineId,
        TelemetryGapEnded m => m.MachineId,
        MachineRunningAgain m => m.MachineId,
        _ => Guid.Empty,
    };

    public async ValueTask DisposeAsync() => await bus.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
}
