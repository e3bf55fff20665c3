using Marten;
using MassTransit;
using Contract = MaaS.Contracts.Machines;

namespace MaaS.Maintenance.Accreditations;

/// <summary>Keeps the accreditation the Machines service announced; an older announcement never overwrites a newer one.</summary>
public sealed class MaintainerAccreditedConsumer(IDocumentSession session) : IConsumer<Contract.MaintainerAccredited>
{
    public async Task Consume(ConsumeContext<Contract.MaintainerAccredited> context)
    {
        var m = context.Message;
        var id = AccreditationRecord.IdFor(m.Oem, m.Maintainer, m.Model, m.Region);
        var existing = await session.LoadAsync<AccreditationRecord>(id, context.CancellationToken);
        if (existing is not null && existing.Block > m.Block) return;
        session.Store(new AccreditationRecord(id, m.Oem.ToLowerInvariant(), m.Maintainer.ToLowerInvariant(), m.MaintainerId, m.Model, m.Region, true, m.Block, m.At));
        await session.SaveChangesAsync(context.CancellationToken);
    }
}
