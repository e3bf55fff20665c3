using MaaS.ServiceDefaults.OpenApi;
using MaaS.Gateway.Events.Catalog;
using MaaS.Gateway.Events.Consuming;
using MaaS.Gateway.Events.Delivering;
using MaaS.Gateway.Events.PartnerQueues;
using MaaS.Gateway.Events.Retention;
using MaaS.Gateway.Events.Streaming;
using MaaS.Gateway.Events.Subscribing;
using Npgsql;

namespace MaaS.Gateway.Events;

/// <summary>
/// Partner event subscriptions: the gateway consumes the services' integration events, decides who may see each
/// (the party index), and delivers it as a CloudEvent to webhooks, to partners' own AMQP queues and to SSE streams.
/// Needs <c>ConnectionStrings:Postgres</c> and <c>ConnectionStrings:RabbitMq</c>; without them the endpoints answer 503.
/// </summary>
public static class PartnerEvents
{
    public static IServiceCollection AddPartnerEvents(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(EventsOptions.Section).Get<EventsOptions>() ?? new EventsOptions();
        services.AddSingleton(options);
        // Every gateway endpoint is for any authenticated member; reads need a read scope, the rest write (the matrix test
        // reads this declaration, as it reads the services' own).
        services.AddOpenApi(GatewayDocument, o => o.AddAuthorizationDescription().DeclareAnyMemberWhereUndeclared());
        var postgres = configuration.GetConnectionString("Postgres");
        var rabbit = configuration.GetConnectionString("RabbitMq");
        if (string.IsNullOrWhiteSpace(postgres) || string.IsNullOrWhiteSpace(rabbit)) return services;

        var broker = BrokerSettings.From(new Uri(rabbit), configuration["RabbitMq:ManagementUrl"]);
        services.AddSingleton(broker);
        services.AddSingleton(new EventsDatabase(NpgsqlDataSource.Create(postgres)));
        services.AddSingleton(WebhookSecrets.From(options.SecretsKey));
        // Before the bus (hosted services start in registration order): consumers write into these tables.
        services.AddHostedService<SchemaCreator>();
        services.AddSingleton<RecordEvent>();
        services.AddEventsBus(broker);
        services.AddSingleton<DeliverySignal>();
        services.AddSingleton<EventBroadcast>();
        services.AddHostedService(sp => sp.GetRequiredService<EventBroadcast>());
        services.AddSingleton<PartnerQueuePublisher>();
        services.AddHostedService<DeliveryWorker>();
        services.AddHostedService<PruneEvents>();
        services.AddHttpClient(DeliveryWorker.ClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            // A receiver's redirect is a failed attempt, not a reason to post the event somewhere else.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                ConnectCallback = WebhookDestinations.Connect(options.AllowPrivateNetworks),
            });
        services.AddHttpClient(RabbitManagement.ClientName, c => c.Timeout = TimeSpan.FromSeconds(10));
        services.AddSingleton<RabbitManagement>();
        return services;
    }

    /// <summary>The name of the gateway's own OpenAPI document, merged into <c>/openapi/v1.json</c>.</summary>
    public const string GatewayDocument = "gateway";

    public static IEndpointRouteBuilder MapPartnerEvents(this IEndpointRouteBuilder app)
    {
        // Literal prefixes: routing prefers them to the proxy's /api/{service}/{**rest} routes, and no service is named so.
        var subscriptions = app.MapGroup("/api/subscriptions").WithTags("Subscriptions").RequireCallerAndStore();
        subscriptions.MapCreateSubscription().MapCreateAmqpSubscription().MapReadSubscriptions().MapDeleteSubscription().MapListDeliveries().MapRedeliver();
        var events = app.MapGroup("/api/events").WithTags("Events").RequireCallerAndStore();
        events.MapStreamEvents().MapListEventTypes();
        return app;
    }

    private sealed class SchemaCreator(EventsDatabase db) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Schema.CreateAsync(db.Source, cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
