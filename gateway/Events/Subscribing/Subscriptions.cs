using System.Data.Common;
using MaaS.Gateway.Events.Catalog;
using MaaS.ServiceDefaults.Identity;
using Npgsql;

namespace MaaS.Gateway.Events.Subscribing;

public static class SubscriptionKinds
{
    public const string Webhook = "webhook";
    public const string Amqp = "amqp";
}

/// <summary>A subscription as its owner sees it (never with its secret or password: those are shown once, at creation).</summary>
public sealed record SubscriptionView(
    Guid Id, string Kind, string? Url, string? Queue, IReadOnlyList<string> EventTypes, IReadOnlyList<Guid> MachineIds, DateTimeOffset CreatedAt);

/// <summary>A new subscription's row; the owner is the calling member, by id and account (visibility is by account).</summary>
public sealed record NewSubscription(
    Guid Id, string Kind, MemberIdentity Owner, string? Url, string? Secret, string? Queue, string? AmqpUser, string[] EventTypes, Guid[] MachineIds, DateTimeOffset CreatedAt);

/// <summary>Subscriptions in <c>gateway.subscriptions</c>. A member reads and deletes only its own: anyone else's id is "not found".</summary>
public static class Subscriptions
{
    public const int MaxMachineIds = 1000;

    /// <summary>The event types and machine filter of a request, checked: known types only, at least one.</summary>
    public static Dictionary<string, string[]> Validate(string[]? eventTypes, Guid[]? machineIds)
    {
        var errors = new Dictionary<string, string[]>();
        if (eventTypes is null || eventTypes.Length == 0) errors["eventTypes"] = ["Name at least one event type (GET /api/events/types lists them)."];
        else if (eventTypes.Where(t => !EventCatalog.IsKnown(t)).ToList() is { Count: > 0 } unknown)
            errors["eventTypes"] = [$"Unknown event type(s): {string.Join(", ", unknown)} (GET /api/events/types lists them)."];
        if (machineIds is { Length: > MaxMachineIds }) errors["machineIds"] = [$"At most {MaxMachineIds} machine ids."];
        else if (machineIds?.Contains(Guid.Empty) == true) errors["machineIds"] = ["A machine id is not empty."];
        return errors;
    }

    public static async Task InsertAsync(NpgsqlDataSource db, NewSubscription s, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            INSERT INTO gateway.subscriptions (id, kind, owner_id, owner_account, owner_operator, url, secret, queue, amqp_user, event_types, machine_ids, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            """);
        command.Parameters.AddWithValue(s.Id);
        command.Parameters.AddWithValue(s.Kind);
        command.Parameters.AddWithValue(s.Owner.MemberId);
        command.Parameters.AddWithValue(s.Owner.Account.ToLowerInvariant());
        command.Parameters.AddWithValue(s.Owner.Has(MemberRoles.Operator));
        command.Parameters.AddWithValue((object?)s.Url ?? DBNull.Value);
        command.Parameters.AddWithValue((object?)s.Secret ?? DBNull.Value);
        command.Parameters.AddWithValue((object?)s.Queue ?? DBNull.Value);
        command.Parameters.AddWithValue((object?)s.AmqpUser ?? DBNull.Value);
        command.Parameters.AddWithValue(s.EventTypes.Distinct(StringComparer.Ordinal).ToArray());
        command.Parameters.AddWithValue(s.MachineIds.Distinct().ToArray());
        command.Parameters.AddWithValue(s.CreatedAt);
        await command.ExecuteNonQueryAsync(ct);
    }

    private const string Columns = "id, kind, url, queue, event_types, machine_ids, created_at, amqp_user";

    public static async Task<IReadOnlyList<SubscriptionView>> ListAsync(NpgsqlDataSource db, Guid ownerId, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"SELECT {Columns} FROM gateway.subscriptions WHERE owner_id = $1 ORDER BY created_at, id");
        command.Parameters.AddWithValue(ownerId);
        await using var rows = await command.ExecuteReaderAsync(ct);
        var list = new List<SubscriptionView>();
        while (await rows.ReadAsync(ct)) list.Add(Read(rows));
        return list;
    }

    /// <summary>The owner's subscription, or null (also for another member's: its existence is not disclosed).</summary>
    public static async Task<(SubscriptionView View, string? AmqpUser)?> FindAsync(NpgsqlDataSource db, Guid ownerId, Guid id, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"SELECT {Columns} FROM gateway.subscriptions WHERE owner_id = $1 AND id = $2");
        command.Parameters.AddWithValue(ownerId);
        command.Parameters.AddWithValue(id);
        await using var rows = await command.ExecuteReaderAsync(ct);
        return await rows.ReadAsync(ct) ? (Read(rows), rows.IsDBNull(7) ? null : rows.GetString(7)) : null;
    }

    /// <summary>Deletes the subscription with its deliveries and their log.</summary>
    public static async Task<bool> DeleteAsync(NpgsqlDataSource db, Guid ownerId, Guid id, CancellationToken ct)
    {
        await using var command = db.CreateCommand("DELETE FROM gateway.subscriptions WHERE owner_id = $1 AND id = $2");
        command.Parameters.AddWithValue(ownerId);
        command.Parameters.AddWithValue(id);
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }

    private static SubscriptionView Read(DbDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
        r.GetFieldValue<string[]>(4), r.GetFieldValue<Guid[]>(5), r.GetFieldValue<DateTimeOffset>(6));
}
