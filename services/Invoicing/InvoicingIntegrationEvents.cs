using JasperFx.Events;
using MaaS.Invoicing.Invoices;
using MaaS.OffChain;
using MaaS.ServiceDefaults.EventStore;
using Contract = MaaS.Contracts.Invoicing;

namespace MaaS.Invoicing;

/// <summary>What the Invoicing service tells the others, and when: a chain fact once it is final, never before.</summary>
public sealed class InvoicingIntegrationEvents : IIntegrationEventMapper
{
    public object? Map(IEvent stored) => stored.Data switch
    {
        InvoiceIssuedOnChain { Final: true } e => new Contract.InvoiceIssued(e.MachineId, e.Period, e.Revision, e.TermsVersion, e.Total, e.InvoiceHash,
            Cid.FromDigestHex(e.InvoiceHash).V0, e.InputsRoot, e.Ref.TransactionHash, e.Ref.Block, e.ObservedAt),
        InvoiceAcceptedOnChain { Final: true } e => new Contract.InvoiceAccepted(e.MachineId, e.Period, e.Revision, e.Ref.TransactionHash, e.Ref.Block, e.ObservedAt),
        InvoiceDisputedOnChain { Final: true } e => new Contract.InvoiceDisputed(e.MachineId, e.Period, e.Revision, e.EvidenceCid, e.Ref.TransactionHash, e.Ref.Block, e.ObservedAt),
        InvoiceSettledOnChain { Final: true } e => new Contract.InvoiceSettled(e.MachineId, e.Period, e.Revision, e.Ref.TransactionHash, e.Ref.Block, e.ObservedAt),
        _ => null,
    };
}
