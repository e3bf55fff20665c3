using Marten;

namespace MaaS.Anchoring.Group;

// What this service knows of the parties of each machine, learnt from the Machines service's integration events.
// Each document keeps the block of the facts it folds, so messages may arrive in any order and any number of times.

/// <summary>A machine's OEM, customer, model and region (from <c>MachineRegistered</c>).</summary>
public sealed record MachineParties(Guid Id, string Oem, string Customer, string Model, ushort Region, long Block);

/// <summary>
/// A member's secp256k1 public key (65 bytes hex, 04 ‖ X ‖ Y), recovered from the signature of its own joining
/// transaction, so no directory has to be trusted. Revoked members get no keys for new batches.
/// </summary>
public sealed record MemberPublicKey(string Id, string? PublicKey, string? TransactionHash, long JoinedBlock, long RevokedBlock)
{
    public bool Usable => PublicKey is not null && JoinedBlock > RevokedBlock;
}

/// <summary>One (OEM, maintainer, model, region) accreditation; region 65535 covers every region.</summary>
public sealed record MaintainerAccreditation(string Id, string Oem, string Maintainer, string Model, ushort Region, long AccreditedBlock, long WithdrawnBlock)
{
    public const ushort AllRegions = 65535;

    public bool Active => AccreditedBlock > WithdrawnBlock;

    public bool Covers(MachineParties machine) =>
        Active && Oem == machine.Oem && Model == machine.Model && (Region == AllRegions || Region == machine.Region);

    public static string IdFor(string oem, string maintainer, string model, ushort region) =>
        $"{oem.ToLowerInvariant()}/{maintainer.ToLowerInvariant()}/{model}/{region}";
}

public sealed record Recipient(string Account, byte[] PublicKey);

/// <summary>
/// Who a batch of <see cref="Machine"/> is encrypted for: its OEM, its customer and the maintainers its OEM accredited for
/// its model and region. <see cref="Missing"/> are members of the group whose public key is not known yet.
/// </summary>
public sealed record MachineGroup(MachineParties? Machine, IReadOnlyList<Recipient> Recipients, IReadOnlyList<string> Missing)
{
    public bool Complete => Machine is not null && Missing.Count == 0;
}

public static class GroupDirectory
{
    public static async Task<MachineGroup> ResolveAsync(IQuerySession session, Guid machineId, CancellationToken ct)
    {
        var machine = await session.LoadAsync<MachineParties>(machineId, ct);
        if (machine is null) return new MachineGroup(null, [], []);
        var accounts = await MembersAsync(session, machine, ct);
        var keys = (await session.LoadManyAsync<MemberPublicKey>(ct, accounts)).ToDictionary(k => k.Id, StringComparer.Ordinal);
        var recipients = new List<Recipient>();
        var missing = new List<string>();
        foreach (var account in accounts)
        {
            if (!keys.TryGetValue(account, out var key) || key.PublicKey is null) missing.Add(account);
            else if (key.Usable) recipients.Add(new Recipient(account, Convert.FromHexString(key.PublicKey)));
        }
        return new MachineGroup(machine, recipients, missing);
    }

    /// <summary>The accounts of the machine's group now (lower case): OEM, customer, accredited maintainers.</summary>
    public static async Task<IReadOnlyList<string>> MembersAsync(IQuerySession session, MachineParties machine, CancellationToken ct)
    {
        var accreditations = await session.Query<MaintainerAccreditation>().Where(a => a.Oem == machine.Oem && a.Model == machine.Model).ToListAsync(ct);
        return [.. new[] { machine.Oem, machine.Customer }.Concat(accreditations.Where(a => a.Covers(machine)).Select(a => a.Maintainer)).Distinct(StringComparer.Ordinal)];
    }

    public static async Task<bool> IsMemberAsync(IQuerySession session, MachineParties machine, string account, CancellationToken ct) =>
        (await MembersAsync(session, machine, ct)).Contains(account.ToLowerInvariant(), StringComparer.Ordinal);
}
