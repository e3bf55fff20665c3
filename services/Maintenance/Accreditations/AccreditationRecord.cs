using System.Security.Cryptography;
using System.Text;
using MaaS.Chain.Contracts;
using Marten;

namespace MaaS.Maintenance.Accreditations;

/// <summary>
/// One (OEM, maintainer, model, region) accreditation as the Machines service announced it (final on chain). Lists use
/// it to show a maintainer the tickets it may take; a write checks the chain itself.
/// </summary>
public sealed record AccreditationRecord(
    string Id, string Oem, string Maintainer, Guid MaintainerId, string Model, ushort Region, bool Active, long Block, DateTimeOffset At)
{
    public bool Covers(string oem, string model, ushort region) =>
        Active && string.Equals(Oem, oem, StringComparison.OrdinalIgnoreCase) && Model == model && (Region == Regions.All || Region == region);

    public static string IdFor(string oem, string maintainer, string model, ushort region) => Convert.ToHexStringLower(SHA256.HashData(
        Encoding.UTF8.GetBytes($"{oem.ToLowerInvariant()}|{maintainer.ToLowerInvariant()}|{model}|{region}")));

    public static async Task<IReadOnlyList<AccreditationRecord>> OfAsync(IQuerySession session, IReadOnlyCollection<Guid> maintainerIds, CancellationToken ct) =>
        maintainerIds.Count == 0 ? [] : await session.Query<AccreditationRecord>().Where(a => a.Active && maintainerIds.Contains(a.MaintainerId)).ToListAsync(ct);
}
