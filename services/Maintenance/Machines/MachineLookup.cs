using MaaS.Chain.Contracts;
using MaaS.Maintenance.Tickets;
using MaaS.ServiceDefaults.Identity;
using Marten;

namespace MaaS.Maintenance.Machines;

public static class MachineLookup
{
    /// <summary>The machine as this service's follower saw it; straight from the chain while the follower has not caught up. Null if no such machine.</summary>
    public static async Task<ServicedMachine?> LoadAsync(IQuerySession session, IMachineRegistry registry, Guid machineId, CancellationToken ct)
    {
        if (await session.LoadAsync<ServicedMachine>(machineId, ct) is { Customer.Length: > 0 } known) return known;
        var onChain = await registry.MachineAsync(Bytes32.FromGuid(machineId), ct);
        return onChain is null ? null : new ServicedMachine
        {
            Id = machineId, Oem = onChain.Oem.ToLowerInvariant(), OemId = MemberIds.For(onChain.Oem), Customer = onChain.Customer.ToLowerInvariant(),
            CustomerId = MemberIds.For(onChain.Customer), Model = Bytes32.ToAscii(onChain.Model), Region = onChain.Region, State = onChain.State,
            FinalState = onChain.State,
        };
    }

    /// <summary>The machine's newest ticket this service knows (one is active at most).</summary>
    public static Task<TicketDetails?> LatestTicketAsync(IQuerySession session, Guid machineId, CancellationToken ct) =>
        session.Query<TicketDetails>().Where(t => t.MachineId == machineId).OrderByDescending(t => t.Seq).ThenByDescending(t => t.UpdatedAt).FirstOrDefaultAsync(ct);
}
