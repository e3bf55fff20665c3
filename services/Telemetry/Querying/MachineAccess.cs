using System.Globalization;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;

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

    /// <summary>A time bound: Unix milliseconds, or an ISO 8601 instant.</summary>
    public static long? ParseTime(string? value, string name)
    {
        if (string.IsNullOrEmpty(value)) return null;
        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms)) return ms;
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)) return instant.ToUnixTimeMilliseconds();
        throw new DomainException(StatusCodes.Status400BadRequest, "validation", $"'{name}' is Unix milliseconds or an ISO 8601 instant.");
    }
}
