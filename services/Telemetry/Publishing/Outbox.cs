using System.Text.Json;
using MaaS.Contracts.Telemetry;
using Npgsql;
using NpgsqlTypes;

namespace MaaS.Telemetry.Publishing;

/// <summary>
/// Messages other than sealed batches (failures, gaps) are written to <c>telemetry.outbox</c> in the transaction that
/// decided them, then published by <see cref="PublishOutbox"/> with the row id as message id.
/// </summary>
internal static class Outbox
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly Dictionary<string, Type> Types = new[]
    {
        typeof(MachineFailureDetected), typeof(TelemetryGapDetected), typeof(TelemetryGapEnded), typeof(MachineRunningAgain),
    }.ToDictionary(t => t.Name);

    public sealed record Message(Guid Id, Guid MachineId, object Body);

    public static Message Create(Guid machineId, object body) =>
        Types.ContainsKey(body.GetType().Name) ? new Message(Guid.CreateVersion7(), machineId, body)
            : throw new ArgumentException($"{body.GetType().Name} is not an outbox message.", nameof(body));

    /// <summary>One statement for any number of messages (empty: none).</summary>
    public static NpgsqlBatchCommand? Insert(IReadOnlyList<Message> messages, DateTimeOffset now)
    {
        if (messages.Count == 0) return null;
        var command = new NpgsqlBatchCommand("""
            INSERT INTO telemetry.outbox (id, machine_id, type, payload, created_at)
            SELECT id, machine_id, type, payload, $5 FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::jsonb[]) AS m(id, machine_id, type, payload)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.Id).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.MachineId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.Body.GetType().Name).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => JsonSerializer.Serialize(m.Body, m.Body.GetType(), Json)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        return command;
    }

    public static object Deserialize(string type, string payload) =>
        JsonSerializer.Deserialize(payload, Types[type], Json) ?? throw new InvalidOperationException($"Outbox payload of {type} is null.");
}

/// <summary>Wakes this instance's publisher when it sealed a batch or queued a message, so publishing does not wait for a poll.</summary>
public sealed class OutboxSignal : MaaS.ServiceDefaults.Signals.WakeSignal;
