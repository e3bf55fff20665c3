using JasperFx.Events;

namespace MaaS.ServiceDefaults.EventStore;

/// <summary>
/// Maps a stored domain event to the integration event other services may see, or null when it stays private.
/// Each service has one mapper, so what it publishes is visible in one place.
/// </summary>
public interface IIntegrationEventMapper
{
    object? Map(IEvent stored);
}
