using JasperFx;
using JasperFx.Events.Daemon;
using MaaS.ServiceDefaults.Diagnostics;
using MaaS.ServiceDefaults.Hosting;
using MaaS.ServiceDefaults.Messaging;
using MaaS.ServiceDefaults.Observability;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Weasel.Core;

namespace MaaS.ServiceDefaults.EventStore;

public static class EventStoreExtensions
{
    /// <summary>
    /// Marten on PostgreSQL in the service's own schema (named after the service; services never read
    /// each other's schema). The async daemon runs hot/cold, so with several instances exactly one
    /// forwards integration events: the event store is the outbox.
    /// </summary>
    public static WebApplicationBuilder AddEventStore(this WebApplicationBuilder builder, Action<StoreOptions> configure)
    {
        var connectionString = builder.Configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not configured.");
        var schema = builder.Services.BuildIdentity().Name;

        builder.Services.AddMarten(options =>
            {
                options.Connection(connectionString);
                options.DatabaseSchemaName = schema;
                options.Events.DatabaseSchemaName = schema;
                options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);
                options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
                // Startup migrations are serialised by an advisory lock whose id defaults to 4004 for every store: the five
                // services, each in its own schema of one database, queued behind each other at a fresh start and the last
                // one sometimes gave up ("Unable to attain a global lock in time"). One lock per schema still serialises the
                // instances of one service; the longer wait covers a slow, loaded first start.
                options.ApplyChangesLockId = MigrationLockId(schema);
                options.ApplyChangesLockTimeout = TimeSpan.FromSeconds(60);
                // LISTEN/NOTIFY wakes the daemon on append: ~13 ms to publish instead of ~0.5 s of polling.
                options.Events.UseListenNotifyForEventAppends = true;
                // An append that loses an optimistic-concurrency race still consumes a sequence number. The daemon waits this
                // long before passing such a gap (default 3 s, which every integration event behind it waited too); it only
                // passes a gap no live transaction can still fill, so a short wait is safe.
                options.Projections.StaleSequenceThreshold = TimeSpan.FromMilliseconds(250);
                // Each event keeps the trace context of the request that appended it, so the outbox can continue the trace.
                options.Events.MetadataConfig.HeadersEnabled = true;
                options.Listeners.Add(new OutboxTracing.StampEvents());
                options.AddDiagnosticsProjections();
                configure(options);
            })
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup()
            .AddAsyncDaemon(DaemonMode.HotCold)
            .AddSubscriptionWithServices<IntegrationEventForwarder>(ServiceLifetime.Scoped);

        builder.Services.AddSingleton<IIntegrationEventMapper, DiagnosticsEventMapper>();
        builder.Services.AddHealthChecks().AddNpgSql(connectionString, name: "postgres", tags: [ServiceDefaultsExtensions.ReadyTag]);
        return builder;
    }

    /// <summary>A lock id of the schema's own, the same in every process (string.GetHashCode is randomised per process).</summary>
    public static int MigrationLockId(string schema) =>
        4004_0000 + (int)(BitConverter.ToUInt32(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(schema)), 0) % 1_000_000);
}
