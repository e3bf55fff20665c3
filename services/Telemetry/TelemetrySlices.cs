using MaaS.Telemetry.Detecting;
using MaaS.Telemetry.Ingesting;
using MaaS.Telemetry.Machines;
using MaaS.Telemetry.Publishing;
using MaaS.Telemetry.Querying;
using MaaS.Telemetry.Sealing;
using MaaS.Telemetry.Settling;
using MaaS.Telemetry.Storage;
using Npgsql;

namespace MaaS.Telemetry;

/// <summary>Everything the Telemetry service stores, runs and serves, in one place.</summary>
public static class TelemetrySlices
{
    /// <summary>
    /// The readings store: plain tables in schema <c>telemetry</c> on a data source of its own (statements auto-prepared),
    /// created before the bus starts delivering machine events.
    /// </summary>
    public static WebApplicationBuilder AddTelemetryStorage(this WebApplicationBuilder builder)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(builder.Configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not configured."))
        {
            MaxAutoPrepare = 64,
            AutoPrepareMinUsages = 2,
            // These connections never change session state: skip the reset round on every return to the pool.
            NoResetOnClose = true,
        }.ConnectionString;
        builder.Services.AddSingleton(sp => new TelemetryDatabase(NpgsqlDataSource.Create(connectionString), sp.GetRequiredService<ILogger<TelemetryDatabase>>()));
        builder.Services.AddHostedService<CreateTelemetrySchema>();
        return builder;
    }

    /// <summary>Ingest, the machine view, sealing, the outbox publisher and gap detection (consumers are found by the bus's assembly scan).</summary>
    public static WebApplicationBuilder AddTelemetryServices(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions());
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<MachineView>();
        builder.Services.AddSingleton<ReadingsStore>();
        builder.Services.AddSingleton<DeviceRateLimit>();
        builder.Services.AddHostedService<SealAgedBatches>();
        builder.Services.AddHostedService<DetectGaps>();
        builder.Services.AddHostedService<PublishOutbox>();
        builder.Services.AddHostedService<RepublishUnsettledBatches>();
        return builder;
    }

    public static WebApplication MapTelemetryEndpoints(this WebApplication app)
    {
        var telemetry = app.MapGroup("/api/telemetry").WithTags("Telemetry");
        telemetry.MapIngestReadings();
        telemetry.MapGetReadings();
        telemetry.MapGetBatchReadings();
        telemetry.MapGetStatus();
        telemetry.MapGetOee();
        return app;
    }
}
