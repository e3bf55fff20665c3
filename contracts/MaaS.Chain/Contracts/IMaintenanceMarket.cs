using MaaS.Chain.Transactions;

namespace MaaS.Chain.Contracts;

/// <summary>
/// The Maintenance contract: the deferred selections of a ticket's maintainer — open bidding and sealed
/// (commit–reveal) bidding. First-come-first-served tickets are on <see cref="IMachineRegistry"/>. Write methods build
/// the transaction for <see cref="ITransactionWriter"/>.
/// </summary>
public interface IMaintenanceMarket
{
    string Address { get; }

    /// <summary>The machine's customer opens a ticket whose maintainer is chosen by an auction.</summary>
    TransactionRequest OpenAuction(string idempotencyKey, string from, byte[] machineId, TicketKind kind, byte[] descriptionCid, AuctionParameters parameters);

    /// <summary>
    /// An accredited maintainer bids (open bidding); the <c>maxBids</c>-th bid awards the ticket. When the best bid is another
    /// bidder's who meanwhile lost its Maintainer membership or accreditation, that bid is refused with
    /// <c>WinnerNotEligible(winner)</c>; the customer then cancels the ticket and opens a new auction.
    /// </summary>
    TransactionRequest PlaceBid(string idempotencyKey, string from, byte[] machineId, uint seq, ulong price, uint eta);

    /// <summary>An accredited maintainer commits to a sealed bid: <paramref name="commitment"/> = <see cref="BidCommitment"/>.</summary>
    TransactionRequest CommitBid(string idempotencyKey, string from, byte[] machineId, uint seq, byte[] commitment);

    TransactionRequest RevealBid(string idempotencyKey, string from, byte[] machineId, uint seq, ulong price, uint eta, byte[] salt);

    /// <summary>
    /// Anybody awards the ticket once the bidding (open) or reveal (sealed) deadline has passed. The best bidder must still be a
    /// Maintainer member accredited for the machine, else <c>WinnerNotEligible(winner)</c> (only the best bid is stored, so
    /// there is no runner-up to fall back on: the customer cancels the ticket and opens a new auction); a cancelled ticket is
    /// refused with <c>TicketNotOpen</c>.
    /// </summary>
    TransactionRequest Award(string idempotencyKey, string from, byte[] machineId, uint seq);

    /// <summary>The machine's current auction; null if it never had one.</summary>
    Task<AuctionOnChain?> AuctionAsync(byte[] machineId, CancellationToken ct = default);

    /// <summary>The running best bid of the machine's current auction; null if none.</summary>
    Task<BidOnChain?> BestBidAsync(byte[] machineId, CancellationToken ct = default);

    /// <summary>A sealed bidder's unrevealed commitment; null if none.</summary>
    Task<byte[]?> CommitmentOfAsync(byte[] machineId, uint seq, string bidder, CancellationToken ct = default);

    Task<bool> HasBidAsync(byte[] machineId, uint seq, string bidder, CancellationToken ct = default);

    /// <summary><c>keccak256(abi.encode(machineId, seq, price, eta, salt, bidder))</c>, computed locally (the salt never leaves the process).</summary>
    byte[] BidCommitment(byte[] machineId, uint seq, ulong price, uint eta, byte[] salt, string bidder);

    /// <summary>The tie-break of an open bid: <c>keccak256(abi.encode(machineId, seq, bidder))</c>.</summary>
    byte[] BidKey(byte[] machineId, uint seq, string bidder);
}

/// <summary>
/// How an auction selects: <see cref="Mode"/> bidding or sealed bidding, the ranking <see cref="Rule"/> (weights
/// for <see cref="RankingRule.Weighted"/>), and its schedule in blocks (see docs/contracts.md, Maintenance).
/// </summary>
public sealed record AuctionParameters(
    SelectionMode Mode,
    RankingRule Rule,
    ushort PriceWeight,
    ushort EtaWeight,
    ushort MaxBids,
    uint BiddingBlocks,
    uint RevealBlocks);

public sealed record AuctionOnChain(
    uint Seq,
    SelectionMode Mode,
    RankingRule Rule,
    AuctionStatus Status,
    ushort PriceWeight,
    ushort EtaWeight,
    ushort MaxBids,
    ushort BidCount,
    ulong Deadline,
    ulong RevealDeadline);

public sealed record BidOnChain(string Bidder, ulong Price, uint Eta, byte[] TieBreak);
