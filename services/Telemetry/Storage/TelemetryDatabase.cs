using Npgsql;

namespace MaaS.Telemetry.Storage;

/// <summary>
/// The Telemetry service's own tables, in its schema next to Marten's, reached with plain Npgsql: readings are
/// rows written in bulk, not documents, and the ingest transaction needs row locks Marten does not give.
/// Every use waits for the schema (created once per process, under an advisory lock so instances starting
/// together do not race).
/// </summary>
public sealed class TelemetryDatabase(NpgsqlDataSource dataSource, ILogger<TelemetryDatabase> logger) : IAsyncDisposable
{
    private readonly Lock gate = new();
    private Task? schema;

    public NpgsqlDataSource DataSource => dataSource;

    /// <summary>Creates the tables once; a failed attempt (the server was down) is retried by the next caller.</summary>
    public Task EnsureSchemaAsync()
    {
        lock (gate)
        {
            if (schema is null || schema.IsFaulted || schema.IsCanceled) schema = TelemetrySchema.CreateAsync(dataSource, logger);
            return schema;
        }
    }

    public async ValueTask<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        var ready = schema;
        if (ready is not { IsCompletedSuccessfully: true }) await EnsureSchemaAsync().WaitAsync(ct);
        return await dataSource.OpenConnectionAsync(ct);
    }

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();
}

/// <summary>Creates the schema before the host starts serving (later uses find it done).</summary>
internal sealed class CreateTelemetrySchema(TelemetryDatabase database) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => database.EnsureSchemaAsync().WaitAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
