using Npgsql;

namespace MaaS.Gateway.Events;

/// <summary>The gateway's PostgreSQL (schema <c>gateway</c>): the same connection string as the idempotency store, a pool of its own.</summary>
public sealed class EventsDatabase(NpgsqlDataSource source)
{
    public NpgsqlDataSource Source { get; } = source;
}
