using MassTransit;
using Marten;
using MaaS.ServiceDefaults.Hosting;

namespace MaaS.ServiceDefaults.Diagnostics;

/// <summary>Records, in this service's own store, that it heard a ping. Idempotent: a redelivery changes nothing.</summary>
public sealed class PingSentConsumer(IDocumentSession session, ServiceIdentity identity, TimeProvider clock) : IConsumer<Contracts.Diagnostics.PingSent>
{
    public async Task Consume(ConsumeContext<Contracts.Diagnostics.PingSent> context)
    {
        var ping = context.Message;
        var stream = await session.Events.FetchForWriting<PingLog>(ping.PingId, context.CancellationToken);
        if (stream.Aggregate?.HeardBy.Contains(identity.Name) == true) return;
        stream.AppendOne(new DiagnosticPingReceived(ping.PingId, ping.FromService, ping.Note, identity.Name, clock.GetUtcNow()));
        await session.SaveChangesAsync(context.CancellationToken);
    }
}
