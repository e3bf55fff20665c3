using MaaS.Contracts.Telemetry;
using Marten;
using MassTransit;

namespace MaaS.Anchoring.Batches.Sealing;

/// <summary>Each sealed batch once, by (machine, batch seq); the message id (the Telemetry event's id) is kept as its source.</summary>
public sealed class TelemetryBatchSealedConsumer(BatchSealer sealer, TimeProvider clock) : IConsumer<TelemetryBatchSealed>
{
    public Task Consume(ConsumeContext<TelemetryBatchSealed> context) =>
        sealer.SealAsync(context.Message, context.MessageId ?? Guid.Empty, clock.GetUtcNow(), context.CancellationToken);
}

/// <summary>Tries the batches that wait for their machine's group again, twice a second.</summary>
public sealed class RetryPendingBatches(IDocumentStore store, BatchSealer sealer, ILogger<RetryPendingBatches> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), stoppingToken);
                IReadOnlyList<PendingBatch> pending;
                await using (var query = store.QuerySession())
                    pending = await query.Query<PendingBatch>().OrderBy(p => p.ReceivedAt).Take(100).ToListAsync(stoppingToken);
                foreach (var p in pending) await sealer.SealAsync(p.Batch, p.SourceMessageId, p.ReceivedAt, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Retrying pending batches failed");
            }
        }
    }
}

/// <summary>
/// Sealing a batch waits on the disk (the off-chain store fsyncs each object) and on PostgreSQL far more than it computes,
/// so more batches are sealed at once than the bus's default (twice the processor count).
/// </summary>
public sealed class TelemetryBatchSealedConsumerDefinition : ConsumerDefinition<TelemetryBatchSealedConsumer>
{
    public TelemetryBatchSealedConsumerDefinition() => ConcurrentMessageLimit = 16;

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TelemetryBatchSealedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit) rabbit.PrefetchCount = 32;
    }
}
