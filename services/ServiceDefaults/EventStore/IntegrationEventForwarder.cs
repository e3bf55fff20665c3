using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using MaaS.ServiceDefaults.Observability;
using MassTransit;
using Marten;
using Marten.Subscriptions;
using Microsoft.Extensions.Logging;

namespace MaaS.ServiceDefaults.EventStore;

/// <summary>
/// Publishes the integration events mapped from stored events. Progress is recorded by Marten only after a
/// page succeeds, so delivery is at least once; the message id is the stored event id, which lets every
/// consumer drop a redelivery.
/// </summary>
public sealed class IntegrationEventForwarder : SubscriptionBase
{
    private readonly IPublishEndpoint publisher;
    private readonly IEnumerable<IIntegrationEventMapper> mappers;
    private readonly ILogger<IntegrationEventForwarder> logger;

    public IntegrationEventForwarder(IPublishEndpoint publisher, IEnumerable<IIntegrationEventMapper> mappers, ILogger<IntegrationEventForwarder> logger)
    {
        this.publisher = publisher;
        this.mappers = mappers;
        this.logger = logger;
        // The name keys this subscription's progress row: renaming it would republish all history.
        Name = "integration-events";
    }

    public override async Task<IChangeListener> ProcessEventsAsync(
        EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken cancellationToken)
    {
        foreach (var stored in page.Events)
        {
            foreach (var mapper in mappers)
            {
                if (mapper.Map(stored) is not { } message) continue;
                using var activity = OutboxTracing.StartPublish(stored, message.GetType().Name);
                await publisher.Publish(message, message.GetType(), context => context.MessageId = stored.Id, cancellationToken);
                logger.LogDebug("Published {Message} for event {Sequence}", message.GetType().Name, stored.Sequence);
                break;
            }
        }
        return NullChangeListener.Instance;
    }
}
