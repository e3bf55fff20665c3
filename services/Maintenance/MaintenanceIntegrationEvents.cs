using JasperFx.Events;
using MaaS.Maintenance.Tickets;
using MaaS.ServiceDefaults.EventStore;
using MaaS.ServiceDefaults.Identity;
using Contract = MaaS.Contracts.Maintenance;

namespace MaaS.Maintenance;

/// <summary>What the Maintenance service tells the others, and when: a chain fact once it is final, never before; a breach when it is recorded.</summary>
public sealed class MaintenanceIntegrationEvents : IIntegrationEventMapper
{
    public object? Map(IEvent stored) => stored.Data switch
    {
        TicketOpenedOnChain { Final: true } e => new Contract.TicketOpened(e.StreamId, e.MachineId, e.Seq, e.Kind.Name(), e.Mode.Name(), e.DescriptionCid,
            e.Ref.TransactionHash, e.Ref.Block, e.ObservedAt),
        TicketAcceptedOnChain { Final: true } e => new Contract.TicketAccepted(e.StreamId, e.MachineId, e.Seq, e.Maintainer, MemberIds.For(e.Maintainer),
            e.Ref.TransactionHash, e.Ref.Block, e.ObservedAt),
        BidPlacedOnChain { Final: true } e => new Contract.BidPlaced(e.StreamId, e.MachineId, e.Seq, e.Bidder, MemberIds.For(e.Bidder), e.Price, e.Eta, false,
            e.Ref.TransactionHash, e.Ref.Block, e.ObservedAt),
        BidRevealedOnChain { Final: true } e => new Contract.BidPlaced(e.StreamId, e.MachineId, e.Seq, e.Bidder, MemberIds.For(e.Bidder), e.Price, e.Eta, true,
            e.Ref.TransactionHash, e.Ref.Block, e.ObservedAt),
        TicketAwardedOnChain { Final: true } e => new Contract.TicketAwarded(e.StreamId, e.MachineId, e.Seq, e.Maintainer, MemberIds.For(e.Maintainer), e.Price, e.Eta,
            e.Ref.TransactionHash, e.Ref.Block, e.ObservedAt),
        TicketCompletedOnChain { Final: true } e => new Contract.TicketCompleted(e.StreamId, e.MachineId, e.Seq, e.ReportCid, e.Ref.TransactionHash, e.Ref.Block, e.ObservedAt),
        TicketClosedOnChain { Final: true } e => new Contract.TicketClosed(e.StreamId, e.MachineId, e.Seq, e.Ref.TransactionHash, e.Ref.Block, e.ObservedAt),
        TicketCancelledOnChain { Final: true } e => new Contract.TicketCancelled(e.StreamId, e.MachineId, e.Seq, e.Ref.TransactionHash, e.Ref.Block, e.ObservedAt),
        SlaBreached e => new Contract.MaintenanceSlaBreached(e.TicketId, e.MachineId, e.Seq, e.Kind.Name(), e.Clock.Name(), (long)Math.Round(e.TargetSeconds),
            (long)Math.Round(e.ElapsedSeconds), e.Maintainer, e.At),
        _ => null,
    };
}
