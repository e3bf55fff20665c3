using System.Security.Cryptography;
using System.Text.Json;
using MaaS.Contracts.Machines;
using MaaS.Gateway.Events.Catalog;
using MaaS.Gateway.Events.Visibility;
using Npgsql;

namespace MaaS.Gateway.Events.Consuming;

/// <summary>
/// Records an event for partners in one transaction: the party index learns what the event tells (a machine's parties,
/// a ticket's maintainer), the audience is fixed from the index as it stands, the CloudEvent is stored, a delivery is
/// queued for every matching webhook and AMQP subscription, and every gateway instance is notified (for SSE) on commit.
/// A redelivered message (same id) changes nothing.
/// </summary>
public sealed class RecordEvent(EventsDatabase db, ILogger<RecordEvent> logger)
{
    public async Task RecordAsync(EventKind kind, object message, string id, CancellationToken ct)
    {
        var machineId = kind.MachineOf(message);
        var ticketId = kind.TicketOf(message);
        await using var connection = await db.Source.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (message is MachineRegistered registered) await PartyIndex.RecordMachineAsync(connection, tx, registered, ct);
        if (ticketId is { } ticket && kind.NewTicketPartyOf(message) is { Length: > 0 } party) await PartyIndex.RecordTicketPartyAsync(connection, tx, ticket, party, ct);
        var audience = await PartyIndex.AudienceAsync(connection, tx, kind.Audience, machineId, ticketId, ct);
        var body = CloudEventEnvelope.Encode(kind, message, id);

        long seq;
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO gateway.events (id, type, machine_id, time, audience, body) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (id) DO NOTHING RETURNING seq
            """, connection, tx))
        {
            insert.Parameters.AddWithValue(id);
            insert.Parameters.AddWithValue(kind.Type);
            insert.Parameters.AddWithValue(machineId);
            insert.Parameters.AddWithValue(kind.TimeOf(message));
            insert.Parameters.AddWithValue(audience);
            insert.Parameters.AddWithValue(body);
            if (await insert.ExecuteScalarAsync(ct) is not long inserted)
            {
                await tx.CommitAsync(ct);
                logger.LogDebug("Event {EventId} was recorded before; nothing to do", id);
                return;
            }
            seq = inserted;
        }
        int queued;
        await using (var fanOut = new NpgsqlCommand("""
            INSERT INTO gateway.deliveries (id, subscription_id, event_seq, status, next_attempt_at, created_at)
            SELECT gen_random_uuid(), s.id, $1, 'pending', now(), now() FROM gateway.subscriptions s
            WHERE $2 = ANY (s.event_types) AND (cardinality(s.machine_ids) = 0 OR $3 = ANY (s.machine_ids))
              AND (s.owner_operator OR s.owner_account = ANY ($4))
            """, connection, tx))
        {
            fanOut.Parameters.AddWithValue(seq);
            fanOut.Parameters.AddWithValue(kind.Type);
            fanOut.Parameters.AddWithValue(machineId);
            fanOut.Parameters.AddWithValue(audience);
            queued = await fanOut.ExecuteNonQueryAsync(ct);
        }
        await using (var notify = new NpgsqlCommand($"SELECT pg_notify('{Schema.Channel}', $1)", connection, tx))
        {
            notify.Parameters.AddWithValue(seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await notify.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        logger.LogDebug("Event {EventId} ({Type}, machine {MachineId}) recorded as {Seq}: {Deliveries} deliveries", id, kind.Type, machineId, seq, queued);
    }

    /// <summary>An id from the event's content (type and JSON), for a message published without a message id.</summary>
    public static string ContentId(EventKind kind, object message) =>
        new Guid(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(message, kind.MessageType)).AsSpan(0, 16)).ToString();
}
