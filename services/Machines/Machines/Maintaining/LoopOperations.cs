using System.Security.Cryptography;
using System.Text;
using MaaS.Chain.Contracts;
using MaaS.Chain.Transactions;
using MaaS.Machines.Members;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Marten;

namespace MaaS.Machines.Machines.Maintaining;

/// <summary>
/// The machine transitions the maintenance loop asks for, signed with the customer's key when this deployment holds it
/// (otherwise the customer's own node does them). Operation ids derive from the triggering event, so a redelivered
/// message finds the operation it already started and sends nothing twice.
/// </summary>
public sealed class LoopOperations(IDocumentStore store, IMachineRegistry registry, ISigningKeys keys, OperationRunner operations, TimeProvider clock,
    ILogger<LoopOperations> logger)
{
    public static Guid OperationId(string purpose, string trigger)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"machines-loop/{purpose}/{trigger}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16));
    }

    /// <param name="plan">The registry calls to make from the machine's current state, or none.</param>
    public async Task RunAsync(Guid machineId, string purpose, string trigger, Func<MachineState, IReadOnlyList<(string Name, Func<string, byte[], TransactionRequest> Build)>> plan,
        CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var machine = await session.LoadAsync<MachineDetails>(machineId, ct);
        if (machine is null)
        {
            logger.LogWarning("{Purpose}: machine {Machine} is unknown here", purpose, machineId);
            return;
        }
        if (await keys.FindAsync(machine.Customer, ct) is null)
        {
            logger.LogInformation("{Purpose}: the customer of machine {Machine} signs on its own node", purpose, machineId);
            return;
        }
        var calls = plan(machine.State);
        if (calls.Count == 0)
        {
            logger.LogInformation("{Purpose}: machine {Machine} is {State}; nothing to do", purpose, machineId, machine.State);
            return;
        }
        var customerMember = await session.LoadAsync<MemberView>(machine.CustomerId, ct);
        var customer = new MemberIdentity(machine.CustomerId, customerMember?.Name ?? "customer", ServiceDefaults.Identity.MemberRoles.Customer, machine.Customer, KeyScope.Write);
        var id = Bytes32.FromGuid(machineId);
        var operationId = OperationId(purpose, trigger);
        await operations.StartAsync(operationId, $"machine-{purpose}", customer, machineId.ToString(),
            [.. calls.Select(c => new OperationStep(c.Name, machine.Customer, registry.Address, c.Build(machine.Customer, id).Data))],
            async (s, token) => (await s.Events.FetchForWriting<MachineDetails>(machineId, token))
                .AppendOne(new MachineCommandRequested(machineId, operationId, purpose, machine.CustomerId, clock.GetUtcNow())), ct);
        logger.LogInformation("{Purpose}: machine {Machine} ({State}) → {Steps}", purpose, machineId, machine.State, string.Join(", ", calls.Select(c => c.Name)));
    }
}
