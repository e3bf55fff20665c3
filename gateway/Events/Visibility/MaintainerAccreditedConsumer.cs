using MassTransit;
using Contract = MaaS.Contracts.Machines;

namespace MaaS.Gateway.Events.Visibility;

/// <summary>An accredited maintainer sees the events of the OEM's machines of that model (and region), as the services show it them.</summary>
public sealed class MaintainerAccreditedConsumer(EventsDatabase db) : IConsumer<Contract.MaintainerAccredited>
{
    public Task Consume(ConsumeContext<Contract.MaintainerAccredited> context)
    {
        var m = context.Message;
        return PartyIndex.RecordAccreditationAsync(db.Source, m.Oem, m.Maintainer, m.Model, m.Region, active: true, m.Block, context.CancellationToken);
    }
}
