using Marten;
using MassTransit;
using Contract = MaaS.Contracts.Machines;

namespace MaaS.Maintenance.Accreditations;

/// <summary>Marks a withdrawn accreditation inactive (idempotent; an older announcement never overwrites a newer one).</summary>
public sealed class MaintainerAccreditationWithdrawnConsumer(IDocumentSession session) : IConsumer<Contract.MaintainerAccreditationWithdrawn>
{
    public async Task Consume(ConsumeContext<Contract.MaintainerAccreditationWithdrawn> context)
    {
        var m = context.Message;
        var id = AccreditationRecord.IdFor(m.Oem, m.Maintainer, m.Model, m.Region);
        var existing = await session.LoadAsync<AccreditationRecord>(id, context.CancellationToken);
        if (existing is not null && existing.Block > m.Block) return;
        session.Store(new AccreditationRecord(id, m.Oem.ToLowerInvariant(), m.Maintainer.ToLowerInvariant(), m.MaintainerId, m.Model, m.Region, false, m.Block, m.At));
        await session.SaveChangesAsync(context.CancellationToken);
    }
}
