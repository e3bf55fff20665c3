using MaaS.Contracts.Machines;
using MaaS.Gateway.Events.Catalog;
using Npgsql;

namespace MaaS.Gateway.Events.Visibility;

/// <summary>An event about a machine the gateway has not indexed yet (its MachineRegistered is still on its way): retried later.</summary>
public sealed class MachineNotIndexedException(Guid machineId)
    : Exception($"Machine {machineId} is not in the gateway's party index yet; the event is retried until its MachineRegistered arrives.");

/// <summary>
/// Who is party to what, built from the integration events alone (<c>MachineRegistered</c> names OEM and customer by
/// account; <c>MaintainerAccredited</c>/<c>…Withdrawn</c> the maintainers; bids and awards the ticket's maintainers), so the
/// gateway decides visibility the way the services do without reading their schemas. Members are their accounts:
/// a member id is derived from the account (<c>MemberIds.For</c>), and every authenticated caller carries both.
/// </summary>
public static class PartyIndex
{
    public static async Task RecordMachineAsync(NpgsqlConnection connection, NpgsqlTransaction tx, MachineRegistered m, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO gateway.event_machines (machine_id, oem, customer, model, region) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (machine_id) DO UPDATE SET oem = EXCLUDED.oem, customer = EXCLUDED.customer, model = EXCLUDED.model, region = EXCLUDED.region
            """, connection, tx);
        command.Parameters.AddWithValue(m.MachineId);
        command.Parameters.AddWithValue(m.Oem.ToLowerInvariant());
        command.Parameters.AddWithValue(m.Customer.ToLowerInvariant());
        command.Parameters.AddWithValue(m.Model);
        command.Parameters.AddWithValue((int)m.Region);
        await command.ExecuteNonQueryAsync(ct);
    }

    public static async Task RecordTicketPartyAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid ticketId, string account, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO gateway.event_ticket_parties (ticket_id, account) VALUES ($1, $2) ON CONFLICT DO NOTHING", connection, tx);
        command.Parameters.AddWithValue(ticketId);
        command.Parameters.AddWithValue(account.ToLowerInvariant());
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>An accreditation as announced; an older announcement never overwrites a newer one (by block).</summary>
    public static async Task RecordAccreditationAsync(NpgsqlDataSource db, string oem, string maintainer, string model, ushort region, bool active, long block, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            INSERT INTO gateway.event_accreditations (oem, maintainer, model, region, active, block) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (oem, maintainer, model, region) DO UPDATE SET active = EXCLUDED.active, block = EXCLUDED.block
            WHERE gateway.event_accreditations.block <= EXCLUDED.block
            """);
        command.Parameters.AddWithValue(oem.ToLowerInvariant());
        command.Parameters.AddWithValue(maintainer.ToLowerInvariant());
        command.Parameters.AddWithValue(model);
        command.Parameters.AddWithValue((int)region);
        command.Parameters.AddWithValue(active);
        command.Parameters.AddWithValue(block);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The accounts (lower case) that may see an event of this kind about this machine (and ticket), now.</summary>
    public static async Task<string[]> AudienceAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Audience audience, Guid machineId, Guid? ticketId, CancellationToken ct)
    {
        // Region 65535 is "every region" (MaaS.Chain Regions.All), as the services read it.
        await using var command = new NpgsqlCommand("""
            SELECT m.oem, m.customer,
                   COALESCE((SELECT array_agg(a.maintainer) FROM gateway.event_accreditations a
                             WHERE $2 AND a.active AND a.oem = m.oem AND a.model = m.model AND (a.region = 65535 OR a.region = m.region)), '{}'),
                   COALESCE((SELECT array_agg(t.account) FROM gateway.event_ticket_parties t WHERE t.ticket_id = $3), '{}')
            FROM gateway.event_machines m WHERE m.machine_id = $1
            """, connection, tx);
        command.Parameters.AddWithValue(machineId);
        command.Parameters.AddWithValue(audience != Audience.Parties);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)ticketId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        await using var row = await command.ExecuteReaderAsync(ct);
        if (!await row.ReadAsync(ct)) throw new MachineNotIndexedException(machineId);
        var accounts = new List<string> { row.GetString(0), row.GetString(1) };
        accounts.AddRange(row.GetFieldValue<string[]>(2));
        if (audience == Audience.Ticket) accounts.AddRange(row.GetFieldValue<string[]>(3));
        return [.. accounts.Distinct(StringComparer.Ordinal)];
    }
}
