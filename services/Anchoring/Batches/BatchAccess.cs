using MaaS.Anchoring.Group;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using Marten;

namespace MaaS.Anchoring.Batches;

/// <summary>Who may see what of a machine's batches: its group (OEM, customer, accredited maintainers), and for proofs the operator.</summary>
public static class BatchAccess
{
    public static async Task<(MachineParties Machine, BatchView Batch)> LoadAsync(IQuerySession session, Guid machineId, long batchSeq, CancellationToken ct)
    {
        var machine = await session.LoadAsync<MachineParties>(machineId, ct) ?? throw DomainException.NotFound("Machine", machineId);
        var batch = await session.LoadAsync<BatchView>(BatchIds.For(machineId, batchSeq), ct);
        if (batch is null || batch.Status == BatchStatus.Refused)
        {
            if (await session.LoadAsync<PendingBatch>(BatchIds.For(machineId, batchSeq), ct) is { } pending)
                throw DomainException.Conflict("batch-pending", $"Batch {batchSeq} of machine {machineId} waits for the {pending.WaitingFor} before it is encrypted.");
            throw DomainException.NotFound("Batch", $"{machineId}/{batchSeq}");
        }
        return (machine, batch);
    }

    public static async Task RequireGroupMemberAsync(IQuerySession session, MachineParties machine, MemberIdentity member, CancellationToken ct)
    {
        if (!await GroupDirectory.IsMemberAsync(session, machine, member.Account, ct))
            throw DomainException.Forbidden("Only the machine's OEM, its customer and the maintainers its OEM accredited for it may do this.");
    }

    public static void RequireNotShredded(BatchView batch)
    {
        if (batch.Shredded)
            throw new DomainException(StatusCodes.Status410Gone, "shredded", $"The keys of batch {batch.BatchSeq} of machine {batch.MachineId} were deleted: its readings are gone for good (the anchor stays).");
    }
}
