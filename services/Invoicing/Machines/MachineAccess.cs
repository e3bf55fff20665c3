using MaaS.Chain.Contracts;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using Marten;

namespace MaaS.Invoicing.Machines;

public static class MachineAccess
{
    /// <summary>
    /// The machine as the follower saw it, or its parties straight from the chain while the follower has not caught up.
    /// 404 for a caller who is not its OEM or customer (nor the operator when <paramref name="operatorMaySee"/>): an
    /// outsider does not learn that the machine exists.
    /// </summary>
    public static async Task<BilledMachine> LoadVisibleAsync(IQuerySession session, IMachineRegistry registry, Guid machineId, MemberIdentity caller,
        CancellationToken ct, bool operatorMaySee = false)
    {
        var machine = await session.LoadAsync<BilledMachine>(machineId, ct) is { Oem.Length: > 0 } known ? known
            : await registry.MachineAsync(Bytes32.FromGuid(machineId), ct) is { } onChain
                ? new BilledMachine { Id = machineId, Oem = onChain.Oem.ToLowerInvariant(), Customer = onChain.Customer.ToLowerInvariant() }
                : null;
        if (machine is null || !(machine.IsParty(caller) || (operatorMaySee && caller.Has(MaaS.ServiceDefaults.Identity.MemberRoles.Operator)))) throw DomainException.NotFound("Machine", machineId);
        return machine;
    }
}
