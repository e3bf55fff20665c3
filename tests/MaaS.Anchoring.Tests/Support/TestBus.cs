using System.Collections.Concurrent;
using MaaS.Contracts.Anchoring;
using MassTransit;

namespace MaaS.Anchoring.Tests.Support;

/// <summary>
/// A MassTransit bus on the environment's virtual host, as another service would have: it publishes what Telemetry and
/// Machines would publish, and records what Anchoring publishes (with each delivery's message id).
/// </summary>
public sealed class TestBus : IAsyncDisposable
{
    private readonly IBusControl bus;
    private readonly ConcurrentQueue<(Guid? MessageId, TelemetryBatchAnchored Message)> anchored = new();
    private readonly ConcurrentQueue<TelemetryBatchRefused> refused = new();
    private readonly ConcurrentQueue<TelemetryBatchShredded> shredded = new();

    private TestBus(Uri rabbitMq)
    {
        bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            var credentials = string.IsNullOrEmpty(rabbitMq.UserInfo) ? ["guest", "guest"] : rabbitMq.UserInfo.Split(':', 2);
            cfg.Host(rabbitMq.Host, (ushort)rabbitMq.Port, Uri.UnescapeDataString(rabbitMq.AbsolutePath.Trim('/')), h =>
            {
                h.Username(Uri.UnescapeDataString(credentials[0]));
                h.Password(Uri.UnescapeDataString(credentials[1]));
            });
            cfg.ReceiveEndpoint($"anchoring-tests-observer-{Guid.NewGuid():N}", e =>
            {
                e.AutoDelete = true;
                e.Durable = false;
                e.Handler<TelemetryBatchAnchored>(c =>
                {
                    anchored.Enqueue((c.MessageId, c.Message));
                    return Task.CompletedTask;
                });
                e.Handler<TelemetryBatchRefused>(c =>
                {
                    refused.Enqueue(c.Message);
                    return Task.CompletedTask;
                });
                e.Handler<TelemetryBatchShredded>(c =>
                {
                    shredded.Enqueue(c.Message);
                    return Task.CompletedTask;
                });
            });
        });
    }

    public IReadOnlyList<(Guid? MessageId, TelemetryBatchAnchored Message)> Anchored => [.. anchored];

    public IReadOnlyList<TelemetryBatchRefused> Refused => [.. refused];

    public IReadOnlyList<TelemetryBatchShredded> Shredded => [.. shredded];

    public IReadOnlyList<TelemetryBatchAnchored> AnchoredOf(Guid machine) => [.. anchored.Select(a => a.Message).Where(m => m.MachineId == machine)];

    public static async Task<TestBus> StartAsync(Uri rabbitMq)
    {
        var test = new TestBus(rabbitMq);
        await test.bus.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        return test;
    }

    public Task PublishAsync(object message, Guid? messageId = null) =>
        bus.Publish(message, message.GetType(), c => c.MessageId = messageId ?? Guid.NewGuid());

    public async ValueTask DisposeAsync() => await bus.StopAsync();
}
