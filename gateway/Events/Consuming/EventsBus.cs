using MaaS.Gateway.Events.Catalog;
using MaaS.Gateway.Events.PartnerQueues;
using MaaS.Gateway.Events.Visibility;
using MassTransit;

namespace MaaS.Gateway.Events.Consuming;

public static class EventsBus
{
    /// <summary>The gateway's one queue: every gateway instance consumes it (competing consumers), so each event is recorded once.</summary>
    public const string Queue = "gateway-partner-events";

    /// <summary>
    /// MassTransit on the services' broker, consuming on <see cref="Queue"/> every event of the catalog, the
    /// accreditation announcements and member revocations (a revoked member's subscriptions end). An event about a
    /// machine the index does not know yet (its registration is still in flight, or being handled by another instance)
    /// is retried for about a minute; after that it lands in <c>gateway-partner-events_error</c>, from where an operator
    /// can move it back (RabbitMQ management, "move messages").
    /// </summary>
    public static IServiceCollection AddEventsBus(this IServiceCollection services, BrokerSettings broker)
    {
        services.AddMassTransit(bus =>
        {
            foreach (var kind in EventCatalog.All) bus.AddConsumer(typeof(PartnerEventConsumer<>).MakeGenericType(kind.MessageType), null);
            bus.AddConsumer<MaintainerAccreditedConsumer>();
            bus.AddConsumer<MaintainerAccreditationWithdrawnConsumer>();
            bus.AddConsumer<MemberRevokedConsumer>();
            bus.AddConsumer<IdentityRevokedConsumer>();
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(broker.Host, (ushort)broker.Port, broker.VirtualHost, h =>
                {
                    h.Username(broker.User);
                    h.Password(broker.Password);
                });
                rabbit.ReceiveEndpoint(Queue, e =>
                {
                    e.UseMessageRetry(r => r.Intervals(
                        TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5),
                        TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30)));
                    foreach (var kind in EventCatalog.All) e.ConfigureConsumer(context, typeof(PartnerEventConsumer<>).MakeGenericType(kind.MessageType));
                    e.ConfigureConsumer<MaintainerAccreditedConsumer>(context);
                    e.ConfigureConsumer<MaintainerAccreditationWithdrawnConsumer>(context);
                    e.ConfigureConsumer<MemberRevokedConsumer>(context);
                });
                // Every instance must hear every revocation: a queue of its own, deleted when the instance goes.
                rabbit.ReceiveEndpoint(new TemporaryEndpointDefinition("gateway-identities"), e => e.ConfigureConsumer<IdentityRevokedConsumer>(context));
            });
        });
        services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });
        return services;
    }
}
