// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {Consortium} from "./Consortium.sol";
import {MachineRegistry} from "./MachineRegistry.sol";

/// @title Maintenance: competitive selection of the maintainer of a ticket (paper §4.2.2).
/// @notice A ticket lives in the machine's record in MachineRegistry (one active ticket per machine, id =
///         (machineId, seq)). First-come-first-served tickets are opened and accepted there directly. This
///         contract runs the two deferred selections the paper describes:
///         - open bidding (MODE_BIDDING): accredited maintainers bid (price, eta); the selection happens at
///           the maxBids-th bid, or by anybody calling award() once the deadline block has passed;
///         - sealed bidding (MODE_SEALED_BIDDING): maintainers commit bidCommitment(...) until the commit
///           deadline block, reveal until the reveal deadline block, then anybody calls award().
///         The rule recorded with the ticket ranks bids: lowest price (then lowest eta), lowest eta (then
///         lowest price), or lowest priceWeight·price + etaWeight·eta (then lowest price). Exact ties go to
///         the lowest tie-break hash: keccak256(abi.encode(machineId, seq, bidder)) for open bids, the
///         commitment for sealed bids. Arrival order, which the block producer controls, never matters.
///         Only the running best bid is stored (O(1) per bid, no loops). The winner is written to the
///         registry's ticket with MachineRegistry.assignTicket, which emits TicketAccepted.
///         The award re-checks the winner: a best bidder that meanwhile lost its Maintainer membership or its
///         accreditation for the machine (OEM, model, region) is refused with WinnerNotEligible(winner), both by
///         award() and by the maxBids-th bid. The next-best still-eligible bid is not known (only the running
///         best is stored, by design), so such an auction cannot be awarded: the customer cancels the ticket
///         (MachineRegistry.cancelTicket) and opens a new auction.
///         Values: mode 1 bidding, 2 sealed bidding; rule 0 lowest price, 1 lowest eta, 2 weighted;
///         auction status 0 none, 1 open, 2 awarded.
contract Maintenance {
    // ---------------------------------------------------------------- constants

    /// @notice Selection modes (same values as MachineRegistry).
    uint8 internal constant MODE_BIDDING = 1;
    uint8 internal constant MODE_SEALED_BIDDING = 2;

    /// @notice Ranking rules.
    uint8 internal constant RULE_LOWEST_PRICE = 0;
    uint8 internal constant RULE_LOWEST_ETA = 1;
    uint8 internal constant RULE_WEIGHTED = 2;

    /// @notice Auction statuses.
    uint8 internal constant AUCTION_NONE = 0;
    uint8 internal constant AUCTION_OPEN = 1;
    uint8 internal constant AUCTION_AWARDED = 2;

    uint8 internal constant TICKET_OPEN = 2;

    // ---------------------------------------------------------------- storage

    /// @dev One slot per machine (its current auction).
    struct Auction {
        uint32 seq;
        uint8 mode;
        uint8 rule;
        uint8 status;
        uint16 priceWeight;
        uint16 etaWeight;
        uint16 maxBids; // open bidding: award at this many bids (0 = deadline only)
        uint16 bidCount; // bids placed (open) or commitments made (sealed)
        uint64 deadline; // open: last block for bids (0 = none); sealed: last block for commitments
        uint64 revealDeadline; // sealed: last block for reveals
    }

    /// @notice Selection parameters of openAuction.
    struct AuctionParams {
        uint8 mode;
        uint8 rule;
        uint16 priceWeight;
        uint16 etaWeight;
        uint16 maxBids;
        uint32 biddingBlocks;
        uint32 revealBlocks;
    }

    /// @dev One slot per machine: the running best bid of its current auction.
    struct Bid {
        address bidder;
        uint64 price; // minor currency units
        uint32 eta; // seconds from award to intervention
    }

    /// @notice The consortium (accreditation).
    Consortium public immutable consortium;
    /// @notice The machine registry (tickets).
    MachineRegistry public immutable registry;

    mapping(bytes32 => Auction) internal _auctions; // machineId → current auction
    mapping(bytes32 => Bid) internal _best; // machineId → running best bid
    mapping(bytes32 => bytes32) internal _bestTieBreak; // machineId → tie-break hash of the best bid
    mapping(bytes32 => bool) internal _hasBid; // bidKey(machineId, seq, bidder) → bid placed (open bidding)
    mapping(bytes32 => bytes32) internal _commitments; // bidKey(machineId, seq, bidder) → commitment (sealed)

    // ---------------------------------------------------------------- events

    event AuctionOpened(
        bytes32 indexed machineId,
        uint32 indexed seq,
        uint8 mode,
        uint8 rule,
        uint16 priceWeight,
        uint16 etaWeight,
        uint16 maxBids,
        uint64 deadline,
        uint64 revealDeadline
    );
    event BidPlaced(bytes32 indexed machineId, uint32 indexed seq, address indexed bidder, uint64 price, uint32 eta);
    event BidCommitted(bytes32 indexed machineId, uint32 indexed seq, address indexed bidder, bytes32 commitment);
    event BidRevealed(bytes32 indexed machineId, uint32 indexed seq, address indexed bidder, uint64 price, uint32 eta);
    event TicketAwarded(
        bytes32 indexed machineId, uint32 indexed seq, address indexed maintainer, uint64 price, uint32 eta
    );

    // ---------------------------------------------------------------- errors

    error ZeroAddress();
    error InvalidMode(uint8 mode);
    error InvalidRule(uint8 rule);
    error InvalidWeights();
    error InvalidSchedule();
    error AuctionNotOpen();
    error WrongMode(uint8 mode);
    error TicketNotOpen();
    error NotAccredited();
    error BiddingClosed();
    error AlreadyBid();
    error CommitPhaseOver();
    error InvalidCommitment();
    error AlreadyCommitted();
    error NotRevealPhase();
    error NoCommitment();
    error CommitmentMismatch();
    error AwardTooEarly();
    error NoBids();
    error WinnerNotEligible(address winner);

    // ---------------------------------------------------------------- construction

    /// @param consortium_ The Consortium contract.
    /// @param registry_ The MachineRegistry (which must then be wired to this contract with setModules).
    constructor(Consortium consortium_, MachineRegistry registry_) {
        if (address(consortium_) == address(0) || address(registry_) == address(0)) revert ZeroAddress();
        consortium = consortium_;
        registry = registry_;
    }

    // ---------------------------------------------------------------- opening

    /// @notice The machine's customer opens a ticket whose maintainer is selected by bidding.
    /// @dev Opens the ticket in MachineRegistry (TicketOpened) and records the selection rule here (AuctionOpened).
    ///      Open bidding: maxBids > 0 and/or biddingBlocks > 0 (award at the maxBids-th bid, or by anybody
    ///      after block.number + biddingBlocks). Sealed bidding: maxBids = 0, biddingBlocks > 0 commit blocks,
    ///      revealBlocks > 0 reveal blocks.
    /// @param machineId The machine.
    /// @param kind 1 repair or 2 preventive.
    /// @param descriptionCid CIDv0 digest of the problem description document.
    /// @param p The selection: mode (1 = bidding, 2 = sealed bidding), rule (0 = lowest price, 1 = lowest eta,
    ///        2 = weighted), priceWeight and etaWeight (weighted rule only, else 0), maxBids (open bidding: bid
    ///        count that triggers the award, 0 = deadline only), biddingBlocks (open bidding: blocks during which
    ///        bids are taken, 0 = no deadline; sealed: commit blocks), revealBlocks (sealed: reveal blocks).
    /// @return seq The ticket's sequence number.
    function openAuction(bytes32 machineId, uint8 kind, bytes32 descriptionCid, AuctionParams calldata p)
        external
        returns (uint32 seq)
    {
        uint8 rule = p.rule;
        if (rule == RULE_WEIGHTED) {
            if (p.priceWeight == 0 && p.etaWeight == 0) revert InvalidWeights();
        } else if (rule == RULE_LOWEST_PRICE || rule == RULE_LOWEST_ETA) {
            if (p.priceWeight != 0 || p.etaWeight != 0) revert InvalidWeights();
        } else {
            revert InvalidRule(rule);
        }
        uint8 mode = p.mode;
        uint64 deadline;
        uint64 revealDeadline;
        if (mode == MODE_BIDDING) {
            if ((p.maxBids == 0 && p.biddingBlocks == 0) || p.revealBlocks != 0) revert InvalidSchedule();
            if (p.biddingBlocks != 0) deadline = uint64(block.number) + p.biddingBlocks;
        } else if (mode == MODE_SEALED_BIDDING) {
            if (p.maxBids != 0 || p.biddingBlocks == 0 || p.revealBlocks == 0) revert InvalidSchedule();
            deadline = uint64(block.number) + p.biddingBlocks;
            revealDeadline = deadline + p.revealBlocks;
        } else {
            revert InvalidMode(mode);
        }
        seq = registry.openTicketFor(msg.sender, machineId, kind, mode, descriptionCid);
        _auctions[machineId] = Auction({
            seq: seq,
            mode: mode,
            rule: rule,
            status: AUCTION_OPEN,
            priceWeight: p.priceWeight,
            etaWeight: p.etaWeight,
            maxBids: p.maxBids,
            bidCount: 0,
            deadline: deadline,
            revealDeadline: revealDeadline
        });
        delete _best[machineId];
        delete _bestTieBreak[machineId];
        emit AuctionOpened(machineId, seq, mode, rule, p.priceWeight, p.etaWeight, p.maxBids, deadline, revealDeadline);
    }

    // ---------------------------------------------------------------- open bidding

    /// @notice An accredited maintainer places its (single) bid on an open-bidding ticket. The maxBids-th bid
    ///         awards the ticket; when the best bid is another bidder's, that bidder is re-checked first and a
    ///         winner no longer eligible makes the whole bid revert with WinnerNotEligible(winner).
    /// @param machineId The machine.
    /// @param seq The ticket sequence number.
    /// @param price Price in minor currency units.
    /// @param eta Time to intervention in seconds.
    function placeBid(bytes32 machineId, uint32 seq, uint64 price, uint32 eta) external {
        Auction memory a = _openAuction(machineId, seq, MODE_BIDDING);
        if (a.deadline != 0 && block.number > a.deadline) revert BiddingClosed();
        if (!_accredited(machineId, seq, msg.sender)) revert NotAccredited();
        bytes32 key = bidKey(machineId, seq, msg.sender);
        if (_hasBid[key]) revert AlreadyBid();
        _hasBid[key] = true;
        uint16 count = a.bidCount + 1;
        _auctions[machineId].bidCount = count;
        _consider(machineId, a, msg.sender, price, eta, key);
        emit BidPlaced(machineId, seq, msg.sender, price, eta);
        if (count == a.maxBids) {
            Bid memory best = _best[machineId];
            if (best.bidder != msg.sender && !_accredited(machineId, seq, best.bidder)) {
                revert WinnerNotEligible(best.bidder);
            }
            _award(machineId, seq, best);
        }
    }

    // ---------------------------------------------------------------- sealed bidding

    /// @notice An accredited maintainer commits to a sealed bid before the commit deadline (one per bidder).
    /// @param machineId The machine.
    /// @param seq The ticket sequence number.
    /// @param commitment bidCommitment(machineId, seq, price, eta, salt, msg.sender).
    function commitBid(bytes32 machineId, uint32 seq, bytes32 commitment) external {
        Auction memory a = _openAuction(machineId, seq, MODE_SEALED_BIDDING);
        if (block.number > a.deadline) revert CommitPhaseOver();
        if (commitment == bytes32(0)) revert InvalidCommitment();
        if (!_accredited(machineId, seq, msg.sender)) revert NotAccredited();
        bytes32 key = bidKey(machineId, seq, msg.sender);
        if (_commitments[key] != bytes32(0)) revert AlreadyCommitted();
        _commitments[key] = commitment;
        _auctions[machineId].bidCount = a.bidCount + 1;
        emit BidCommitted(machineId, seq, msg.sender, commitment);
    }

    /// @notice Reveals a sealed bid after the commit deadline and until the reveal deadline. The commitment
    ///         is cleared (gas refund); the bid becomes the running best if it ranks first.
    /// @param machineId The machine.
    /// @param seq The ticket sequence number.
    /// @param price Price in minor currency units.
    /// @param eta Time to intervention in seconds.
    /// @param salt The secret salt used in the commitment.
    function revealBid(bytes32 machineId, uint32 seq, uint64 price, uint32 eta, bytes32 salt) external {
        Auction memory a = _openAuction(machineId, seq, MODE_SEALED_BIDDING);
        if (block.number <= a.deadline || block.number > a.revealDeadline) revert NotRevealPhase();
        bytes32 key = bidKey(machineId, seq, msg.sender);
        bytes32 stored = _commitments[key];
        if (stored == bytes32(0)) revert NoCommitment();
        if (bidCommitment(machineId, seq, price, eta, salt, msg.sender) != stored) revert CommitmentMismatch();
        delete _commitments[key];
        if (!_accredited(machineId, seq, msg.sender)) revert NotAccredited();
        _consider(machineId, a, msg.sender, price, eta, stored);
        emit BidRevealed(machineId, seq, msg.sender, price, eta);
    }

    // ---------------------------------------------------------------- award

    /// @notice Awards the ticket to the best bid once the bidding (or reveal) deadline has passed (anybody).
    ///         The best bidder must still be a Maintainer member accredited for the machine, else
    ///         WinnerNotEligible(bidder): the customer then cancels the ticket and opens a new auction.
    /// @param machineId The machine.
    /// @param seq The ticket sequence number.
    function award(bytes32 machineId, uint32 seq) external {
        Auction memory a = _auctions[machineId];
        if (a.status != AUCTION_OPEN || a.seq != seq) revert AuctionNotOpen();
        uint64 end = a.mode == MODE_SEALED_BIDDING ? a.revealDeadline : a.deadline;
        if (end == 0 || block.number <= end) revert AwardTooEarly();
        Bid memory best = _best[machineId];
        if (best.bidder == address(0)) revert NoBids();
        if (!_accredited(machineId, seq, best.bidder)) revert WinnerNotEligible(best.bidder);
        _award(machineId, seq, best);
    }

    // ---------------------------------------------------------------- internals

    function _openAuction(bytes32 machineId, uint32 seq, uint8 mode) internal view returns (Auction memory a) {
        a = _auctions[machineId];
        if (a.status != AUCTION_OPEN || a.seq != seq) revert AuctionNotOpen();
        if (a.mode != mode) revert WrongMode(a.mode);
    }

    /// @dev Reverts TicketNotOpen unless ticket `seq` is the machine's current one and open; then tells whether
    ///      `account` is a Maintainer member accredited for the machine's OEM, model and region.
    function _accredited(bytes32 machineId, uint32 seq, address account) internal view returns (bool) {
        (uint32 tSeq, uint8 tStatus,, address oem, bytes32 model, uint16 region) = registry.ticketScope(machineId);
        if (tSeq != seq || tStatus != TICKET_OPEN) revert TicketNotOpen();
        return consortium.isAccredited(oem, model, region, account);
    }

    function _consider(bytes32 machineId, Auction memory a, address bidder, uint64 price, uint32 eta, bytes32 tie)
        internal
    {
        Bid memory best = _best[machineId];
        if (best.bidder != address(0)) {
            (uint256 p, uint256 s) = _rank(a, price, eta);
            (uint256 bp, uint256 bs) = _rank(a, best.price, best.eta);
            if (p > bp || (p == bp && (s > bs || (s == bs && tie >= _bestTieBreak[machineId])))) return;
        }
        _best[machineId] = Bid({bidder: bidder, price: price, eta: eta});
        _bestTieBreak[machineId] = tie;
    }

    function _rank(Auction memory a, uint64 price, uint32 eta) internal pure returns (uint256, uint256) {
        if (a.rule == RULE_LOWEST_PRICE) return (price, eta);
        if (a.rule == RULE_LOWEST_ETA) return (eta, price);
        return (uint256(a.priceWeight) * price + uint256(a.etaWeight) * eta, price);
    }

    function _award(bytes32 machineId, uint32 seq, Bid memory best) internal {
        _auctions[machineId].status = AUCTION_AWARDED;
        registry.assignTicket(machineId, seq, best.bidder);
        emit TicketAwarded(machineId, seq, best.bidder, best.price, best.eta);
    }

    // ---------------------------------------------------------------- views

    /// @notice The current auction of a machine.
    /// @param machineId The machine.
    /// @return seq Ticket sequence number.
    /// @return mode 1 bidding, 2 sealed bidding (0: no auction yet).
    /// @return rule 0 lowest price, 1 lowest eta, 2 weighted.
    /// @return status 0 none, 1 open, 2 awarded.
    /// @return priceWeight Price weight.
    /// @return etaWeight Eta weight.
    /// @return maxBids Bid count that triggers the award (open bidding).
    /// @return bidCount Bids placed or commitments made.
    /// @return deadline Last bidding/commit block.
    /// @return revealDeadline Last reveal block.
    function auction(bytes32 machineId)
        external
        view
        returns (
            uint32 seq,
            uint8 mode,
            uint8 rule,
            uint8 status,
            uint16 priceWeight,
            uint16 etaWeight,
            uint16 maxBids,
            uint16 bidCount,
            uint64 deadline,
            uint64 revealDeadline
        )
    {
        Auction memory a = _auctions[machineId];
        return (
            a.seq,
            a.mode,
            a.rule,
            a.status,
            a.priceWeight,
            a.etaWeight,
            a.maxBids,
            a.bidCount,
            a.deadline,
            a.revealDeadline
        );
    }

    /// @notice The running best bid of a machine's current auction.
    /// @param machineId The machine.
    /// @return bidder Best bidder (zero if none).
    /// @return price Its price.
    /// @return eta Its eta.
    /// @return tieBreak Its tie-break hash.
    function bestBid(bytes32 machineId)
        external
        view
        returns (address bidder, uint64 price, uint32 eta, bytes32 tieBreak)
    {
        Bid memory b = _best[machineId];
        return (b.bidder, b.price, b.eta, _bestTieBreak[machineId]);
    }

    /// @notice The unrevealed commitment of `bidder` (zero if none or revealed).
    /// @param machineId The machine.
    /// @param seq Ticket sequence number.
    /// @param bidder The bidder.
    /// @return The commitment.
    function commitmentOf(bytes32 machineId, uint32 seq, address bidder) external view returns (bytes32) {
        return _commitments[bidKey(machineId, seq, bidder)];
    }

    /// @notice True if `bidder` placed an open bid on the ticket.
    /// @param machineId The machine.
    /// @param seq Ticket sequence number.
    /// @param bidder The bidder.
    /// @return True when a bid was placed.
    function hasBid(bytes32 machineId, uint32 seq, address bidder) external view returns (bool) {
        return _hasBid[bidKey(machineId, seq, bidder)];
    }

    /// @notice Per-bidder key; also the tie-break hash of an open bid.
    /// @param machineId The machine.
    /// @param seq Ticket sequence number.
    /// @param bidder The bidder.
    /// @return keccak256(abi.encode(machineId, seq, bidder)).
    function bidKey(bytes32 machineId, uint32 seq, address bidder) public pure returns (bytes32) {
        return keccak256(abi.encode(machineId, seq, bidder));
    }

    /// @notice The commitment a sealed bid must match.
    /// @param machineId The machine.
    /// @param seq Ticket sequence number.
    /// @param price Price in minor currency units.
    /// @param eta Time to intervention in seconds.
    /// @param salt Secret random salt.
    /// @param bidder The bidder.
    /// @return keccak256(abi.encode(machineId, seq, price, eta, salt, bidder)).
    function bidCommitment(bytes32 machineId, uint32 seq, uint64 price, uint32 eta, bytes32 salt, address bidder)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(machineId, seq, price, eta, salt, bidder));
    }
}
