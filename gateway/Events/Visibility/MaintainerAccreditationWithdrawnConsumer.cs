using MassTransit;
using Contract = MaaS.Contracts.Machines;

namespace MaaS.Gateway.Events.Visibility;

/// <summary>A withdrawn accreditation stops the maintainer's view of those machines' events from then on.</summary>
public sealed class MaintainerAccreditationWithdrawnConsumer(EventsDatabase db) : IConsumer<Contract.MaintainerAccreditationWithdrawn>
{
    public Task Consume(ConsumeContext<Contract.MaintainerAccreditationWithdrawn> context)
    {
        var m = context.Message;
        return PartyIndex.RecordAccreditationAsync(db.Source, m.Oem, m.Maintainer, m.Model, m.Region, active: false, m.Block, context.CancellationToken);
    }
}
