using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using MaaS.ServiceDefaults.EventStore;

namespace MaaS.ServiceDefaults.Diagnostics;

internal static class DiagnosticsRegistration
{
    public static void AddDiagnosticsProjections(this StoreOptions options) =>
        options.Projections.Snapshot<PingLog>(SnapshotLifecycle.Inline);
}

internal sealed class DiagnosticsEventMapper : IIntegrationEventMapper
{
    public object? Map(IEvent stored) => stored.Data switch
    {
        DiagnosticPingSent e => new Contracts.Diagnostics.PingSent(e.PingId, e.Service, e.Note, e.At),
        _ => null,
    };
}
