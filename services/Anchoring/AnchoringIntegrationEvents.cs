using JasperFx.Events;
using MaaS.Anchoring.Batches;
using MaaS.Contracts.Anchoring;
using MaaS.ServiceDefaults.EventStore;

namespace MaaS.Anchoring;

/// <summary>What the Anchoring service tells the others: a batch anchored (once, when its round is final), refused or shredded.</summary>
public sealed class AnchoringIntegrationEvents : IIntegrationEventMapper
{
    public object? Map(IEvent stored) => stored.Data switch
    {
        BatchAnchored e => new TelemetryBatchAnchored(e.MachineId, e.BatchSeq, e.FirstSeq, e.LastSeq, e.Count, e.Root, e.Cid, e.RoundId, e.LeafIndex, e.RoundSize,
            e.RoundPath, e.RoundRoot, e.TransactionHash, e.Block, e.At),
        BatchRefused e => new TelemetryBatchRefused(e.MachineId, e.BatchSeq, e.Reason, e.At),
        BatchKeysShredded e => new TelemetryBatchShredded(e.MachineId, e.BatchSeq, e.By, e.At),
        _ => null,
    };
}
