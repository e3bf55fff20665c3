using System.Globalization;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using Npgsql;

namespace MaaS.Telemetry.Querying;

/// <summary>
/// Who may read a machine's telemetry: its OEM and its customer (by account, from <c>MachineRegistered</c>) and the
/// consortium operator. Anyone else — and everyone, for a machine telemetry has not seen registered — gets 404.
/// </summary>
internal static class MachineAccess
{
    public static void Demand(MemberIdentity member, Guid machineId, string? oem, string? customer)
    {
        if (oem is null || customer is null) throw DomainException.NotFound("Machine", machineId);
        if (member.Has(MemberRoles.Operator)) return;
        if (string.Equals(member.Account, oem, StringComparison.OrdinalIgnoreCase) || string.Equals(member.Account, customer, StringComparison.OrdinalIgnoreCase)) return;
        throw DomainException.NotFound("Machine", machineId);
    }

    /// <summary>Reads the machine's parties and demands that the member is one of them (or the operator).</summary>
    public static async Task DemandAsync(NpgsqlConnection connection, MemberIdentity member, Guid machineId, CancellationToken ct)
    {
        await using var parties = new NpgsqlCommand("SELECT oem, customer FROM telemetry.machines WHERE machine_id = $1", connection) { Parameters = { new() { Value = machineId } } };
        await using var row = await parties.ExecuteReaderAsync(ct);
        var found = await row.ReadAsync(ct);
        Demand(member, machineId, found && !row.IsDBNull(0) ? row.GetString(0) : null, found && !row.IsDBNull(1) ? row.GetString(1) : null);
    }

    /// <summary>A time bound: Unix milliseconds, or an ISO 8601 instant.</summary>
    public static long? ParseTime(string? value, string name)
    {
        if (string.IsNullOrEmpty(value)) return null;
        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms)) return ms;
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)) return instant.ToUnixTimeMilliseconds();
        throw new DomainException(StatusCodes.Status400BadRequest, "validation", $"'{name}' is Unix milliseconds or an ISO 8601 instant.");
    }
}
