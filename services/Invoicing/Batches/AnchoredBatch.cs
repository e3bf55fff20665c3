using MaaS.Contracts.Anchoring;
using MaaS.OffChain.Invoicing;
using MassTransit;
using Marten;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;

namespace MaaS.Invoicing.Batches;

/// <summary>
/// A telemetry batch announced anchored (at its round's finality), with its round's block time: the cut-off of a period is
/// compared with chain time, so the OEM's node and the customer's node agree on which batches came in time.
/// </summary>
public sealed record AnchoredBatch(string Id, Guid MachineId, long BatchSeq, long FirstSeq, long LastSeq, BatchAnchor Anchor)
{
    public static string IdFor(Guid machine, long batch) => $"{machine:D}/{batch}";
}

/// <summary>Records each anchored batch once (a redelivery stores the same document again).</summary>
public sealed class TelemetryBatchAnchoredConsumer(IDocumentSession session, IWeb3 web3) : IConsumer<TelemetryBatchAnchored>
{
    public async Task Consume(ConsumeContext<TelemetryBatchAnchored> context)
    {
        var m = context.Message;
        var block = await web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(new BlockParameter((ulong)m.Block));
        var anchor = new BatchAnchor(m.MachineId, m.BatchSeq, m.Count, m.BatchRoot, m.Cid, m.RoundId, m.LeafIndex, m.RoundSize, m.RoundPath, m.RoundRoot,
            m.Block, (long)block.Timestamp.Value, m.TransactionHash.ToLowerInvariant());
        session.Store(new AnchoredBatch(AnchoredBatch.IdFor(m.MachineId, m.BatchSeq), m.MachineId, m.BatchSeq, m.FirstSeq, m.LastSeq, anchor));
        await session.SaveChangesAsync(context.CancellationToken);
    }
}
