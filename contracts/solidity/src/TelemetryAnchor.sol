// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {Consortium} from "./Consortium.sol";

/// @title TelemetryAnchor: Merkle roots of telemetry rounds, committed by authorised anchoring accounts.
/// @notice A round commits the root of a Merkle tree (SHA-256, RFC 6962 domain separation) over many
///         telemetry batch leaves, plus the CIDv0 digest of the round manifest stored off-chain. Rounds are
///         numbered 1, 2, 3, ...; one round is one transaction whatever its batch count.
contract TelemetryAnchor {
    /// @dev Three slots per round.
    struct Round {
        bytes32 root;
        bytes32 manifestCid;
        uint32 batchCount;
        uint64 blockNumber;
        address anchorer;
    }

    /// @notice The consortium (its operator grants and revokes anchorers).
    Consortium public immutable consortium;
    /// @notice Number of rounds committed so far (= id of the latest round).
    uint64 public roundCount;
    /// @notice Accounts allowed to commit rounds.
    mapping(address => bool) public isAnchorer;

    mapping(uint64 => Round) internal _rounds;

    event AnchorerGranted(address indexed account);
    event AnchorerRevoked(address indexed account);
    event RoundCommitted(
        uint64 indexed roundId, bytes32 indexed root, address indexed anchorer, uint32 batchCount, bytes32 manifestCid
    );

    error ZeroAddress();
    error NotOperator();
    error AlreadyAnchorer();
    error NotAnchorer(address account);
    error InvalidRoot();
    error InvalidBatchCount();
    error InvalidCid();
    error RoundNotFound(uint64 roundId);

    /// @param consortium_ The Consortium contract.
    constructor(Consortium consortium_) {
        if (address(consortium_) == address(0)) revert ZeroAddress();
        consortium = consortium_;
    }

    /// @notice Authorises an anchoring account (consortium operator only).
    /// @param account The account.
    function grantAnchorer(address account) external {
        if (msg.sender != consortium.operator()) revert NotOperator();
        if (account == address(0)) revert ZeroAddress();
        if (isAnchorer[account]) revert AlreadyAnchorer();
        isAnchorer[account] = true;
        emit AnchorerGranted(account);
    }

    /// @notice Withdraws an anchoring account's authorisation (consortium operator only).
    /// @param account The account.
    function revokeAnchorer(address account) external {
        if (msg.sender != consortium.operator()) revert NotOperator();
        if (!isAnchorer[account]) revert NotAnchorer(account);
        isAnchorer[account] = false;
        emit AnchorerRevoked(account);
    }

    /// @notice Commits one anchoring round (authorised anchorers only).
    /// @param merkleRoot Root over the round's batch leaves (non-zero).
    /// @param batchCount Number of batch leaves (> 0).
    /// @param manifestCid CIDv0 digest of the round manifest (non-zero).
    /// @return roundId The new round's id.
    function commitRound(bytes32 merkleRoot, uint32 batchCount, bytes32 manifestCid)
        external
        returns (uint64 roundId)
    {
        if (!isAnchorer[msg.sender]) revert NotAnchorer(msg.sender);
        if (merkleRoot == bytes32(0)) revert InvalidRoot();
        if (batchCount == 0) revert InvalidBatchCount();
        if (manifestCid == bytes32(0)) revert InvalidCid();
        roundId = roundCount + 1;
        roundCount = roundId;
        _rounds[roundId] = Round({
            root: merkleRoot,
            manifestCid: manifestCid,
            batchCount: batchCount,
            blockNumber: uint64(block.number),
            anchorer: msg.sender
        });
        emit RoundCommitted(roundId, merkleRoot, msg.sender, batchCount, manifestCid);
    }

    /// @notice One committed round.
    /// @param roundId The round id (1 ... roundCount).
    /// @return root Merkle root.
    /// @return batchCount Number of batch leaves.
    /// @return manifestCid CIDv0 digest of the manifest.
    /// @return blockNumber Block in which the round was committed.
    /// @return anchorer The committing account.
    function round(uint64 roundId)
        external
        view
        returns (bytes32 root, uint32 batchCount, bytes32 manifestCid, uint64 blockNumber, address anchorer)
    {
        Round storage r = _rounds[roundId];
        if (r.root == bytes32(0)) revert RoundNotFound(roundId);
        return (r.root, r.batchCount, r.manifestCid, r.blockNumber, r.anchorer);
    }
}
