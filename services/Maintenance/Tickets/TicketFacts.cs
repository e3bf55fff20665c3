using MaaS.Chain.Contracts;
using MaaS.Chain.Following;
using MaaS.OffChain;
using MaaS.ServiceDefaults.ChainFacts;
using Auctions = MaaS.Chain.Contracts.Generated.Maintenance;
using Registry = MaaS.Chain.Contracts.Generated.MachineRegistry;

namespace MaaS.Maintenance.Tickets;

/// <summary>MachineRegistry's ticket events (the first-come-first-served cycle, and the award's acceptance) as facts on the ticket's stream.</summary>
public sealed class TicketFacts(IMachineRegistry registry, TimeProvider clock) : ChainFactHandler(clock)
{
    protected override string ContractAddress => registry.Address;

    protected override IChainFact? Decode(ChainLog log, bool final, DateTimeOffset observedAt)
    {
        var at = ChainRef.From(log);
        if (ContractEvents.TryDecode<Registry.TicketOpenedEventDTO>(log.Topics, log.Data, out var opened))
        {
            var machine = Bytes32.ToGuid(opened.MachineId);
            return new TicketOpenedOnChain(TicketIds.For(machine, opened.Seq), machine, opened.Seq, (TicketKind)opened.Kind, (SelectionMode)opened.Mode,
                Cid.FromDigest(opened.DescriptionCid).V0, at, final, observedAt);
        }
        if (ContractEvents.TryDecode<Registry.TicketAcceptedEventDTO>(log.Topics, log.Data, out var accepted))
        {
            var machine = Bytes32.ToGuid(accepted.MachineId);
            return new TicketAcceptedOnChain(TicketIds.For(machine, accepted.Seq), machine, accepted.Seq, accepted.Maintainer.ToLowerInvariant(), at, final, observedAt);
        }
        if (ContractEvents.TryDecode<Registry.TicketCompletedEventDTO>(log.Topics, log.Data, out var completed))
        {
            var machine = Bytes32.ToGuid(completed.MachineId);
            return new TicketCompletedOnChain(TicketIds.For(machine, completed.Seq), machine, completed.Seq, Cid.FromDigest(completed.ReportCid).V0, at, final, observedAt);
        }
        if (ContractEvents.TryDecode<Registry.TicketClosedEventDTO>(log.Topics, log.Data, out var closed))
        {
            var machine = Bytes32.ToGuid(closed.MachineId);
            return new TicketClosedOnChain(TicketIds.For(machine, closed.Seq), machine, closed.Seq, at, final, observedAt);
        }
        if (ContractEvents.TryDecode<Registry.TicketCancelledEventDTO>(log.Topics, log.Data, out var cancelled))
        {
            var machine = Bytes32.ToGuid(cancelled.MachineId);
            return new TicketCancelledOnChain(TicketIds.For(machine, cancelled.Seq), machine, cancelled.Seq, at, final, observedAt);
        }
        return null;
    }
}

/// <summary>The Maintenance contract's auction events (open and sealed bidding) as facts on the ticket's stream.</summary>
public sealed class AuctionFacts(IMaintenanceMarket market, TimeProvider clock) : ChainFactHandler(clock)
{
    protected override string ContractAddress => market.Address;

    protected override IChainFact? Decode(ChainLog log, bool final, DateTimeOffset observedAt)
    {
        var at = ChainRef.From(log);
        if (ContractEvents.TryDecode<Auctions.AuctionOpenedEventDTO>(log.Topics, log.Data, out var opened))
        {
            var machine = Bytes32.ToGuid(opened.MachineId);
            return new AuctionOpenedOnChain(TicketIds.For(machine, opened.Seq), machine, opened.Seq, (SelectionMode)opened.Mode, (RankingRule)opened.Rule,
                opened.PriceWeight, opened.EtaWeight, opened.MaxBids, opened.Deadline, opened.RevealDeadline, at, final, observedAt);
        }
        if (ContractEvents.TryDecode<Auctions.BidPlacedEventDTO>(log.Topics, log.Data, out var bid))
        {
            var machine = Bytes32.ToGuid(bid.MachineId);
            return new BidPlacedOnChain(TicketIds.For(machine, bid.Seq), machine, bid.Seq, bid.Bidder.ToLowerInvariant(), bid.Price, bid.Eta, at, final, observedAt);
        }
        if (ContractEvents.TryDecode<Auctions.BidCommittedEventDTO>(log.Topics, log.Data, out var committed))
        {
            var machine = Bytes32.ToGuid(committed.MachineId);
            return new BidCommittedOnChain(TicketIds.For(machine, committed.Seq), machine, committed.Seq, committed.Bidder.ToLowerInvariant(),
                Bytes32.ToHex(committed.Commitment), at, final, observedAt);
        }
        if (ContractEvents.TryDecode<Auctions.BidRevealedEventDTO>(log.Topics, log.Data, out var revealed))
        {
            var machine = Bytes32.ToGuid(revealed.MachineId);
            return new BidRevealedOnChain(TicketIds.For(machine, revealed.Seq), machine, revealed.Seq, revealed.Bidder.ToLowerInvariant(), revealed.Price,
                revealed.Eta, at, final, observedAt);
        }
        if (ContractEvents.TryDecode<Auctions.TicketAwardedEventDTO>(log.Topics, log.Data, out var awarded))
        {
            var machine = Bytes32.ToGuid(awarded.MachineId);
            return new TicketAwardedOnChain(TicketIds.For(machine, awarded.Seq), machine, awarded.Seq, awarded.Maintainer.ToLowerInvariant(), awarded.Price,
                awarded.Eta, at, final, observedAt);
        }
        return null;
    }
}
