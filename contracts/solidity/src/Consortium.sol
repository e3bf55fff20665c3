// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

/// @title MaaS consortium: membership, roles, invitations, accreditations, gas faucet, contract directory.
/// @notice The consortium board's contract (paper §4.1, §5.1). One operator account runs it; every member
///         holds one Ethereum key and one or more roles (OEM, Customer, Maintainer as bit flags).
/// @dev Invitation scheme: the operator generates a one-time secp256k1 key pair off-chain. The private key
///      is the invitation code handed to the invitee out of band; the key's address is the invitation id
///      stored on chain. To redeem, the invitee signs `redemptionHash(invitee)` with the one-time key
///      (EIP-191 personal message over the 32-byte hash) and sends that signature from its own account.
///      The signed hash binds this contract, the chain id and the redeemer, so a copy of the signature seen
///      in the mempool is useless to anybody else: redemption cannot be front-run.
///      Values: role bits 1 OEM, 2 Customer, 4 Maintainer; region 65535 = every region (accreditations only).
contract Consortium {
    // ---------------------------------------------------------------- constants

    /// @dev Role bit: original equipment manufacturer (registers and rents machines out).
    uint8 internal constant ROLE_OEM = 1;
    /// @dev Role bit: customer (accepts and runs machines).
    uint8 internal constant ROLE_CUSTOMER = 2;
    /// @dev Role bit: maintainer (accepts and bids for maintenance tickets).
    uint8 internal constant ROLE_MAINTAINER = 4;
    uint8 internal constant ROLE_MASK = 7;
    /// @dev Region value meaning "every region" in an accreditation. No machine may use it as its region.
    uint16 internal constant ALL_REGIONS = type(uint16).max;
    uint16 internal constant BITMAP_REGIONS = 255;
    uint256 internal constant ALL_REGIONS_BIT = uint256(1) << 255;
    /// @dev Domain tag of the invitation redemption message.
    bytes32 internal constant REDEEM_TAG = keccak256("MaaS.Consortium.redeemInvitation");
    /// @dev secp256k1n / 2: signatures with a larger s are rejected (EIP-2).
    uint256 internal constant HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    // ---------------------------------------------------------------- storage

    /// @dev One slot per member.
    struct Member {
        uint8 roles; // 0 = not a member (never joined or revoked)
        uint64 since; // block timestamp of the (last) redemption
    }

    /// @dev One slot per pending invitation; deleted on redemption or cancellation.
    struct Invitation {
        uint8 roles;
        uint64 expiresAt; // unix seconds; redemption needs block.timestamp <= expiresAt
    }

    /// @dev Three slots per published contract name (latest publication; history is in the events).
    struct Publication {
        address addr;
        uint64 blockNumber;
        bytes32 sourceCid; // sha256 digest of the UnixFS block (CIDv0 multihash digest) of the source bundle
        bytes32 compilerSettingsHash;
    }

    /// @notice The consortium operator (deployer at first; transferable in two steps).
    address public operator;
    /// @notice The account that may call acceptOperator(), or zero.
    address public pendingOperator;
    /// @notice Faucet target balance in wei: topUp(member) brings the member's balance up to this value.
    uint256 public gasAllowance;

    mapping(address => Member) internal _members;
    mapping(address => Invitation) internal _invitations;
    /// @dev Accreditation words, see _accreditationSlot.
    mapping(bytes32 => uint256) internal _accreditations;
    mapping(bytes32 => Publication) internal _directory;

    // ---------------------------------------------------------------- events

    event OperatorTransferStarted(address indexed operator, address indexed pendingOperator);
    event OperatorTransferred(address indexed previousOperator, address indexed newOperator);
    event InvitationCreated(address indexed inviteId, uint8 roles, uint64 expiresAt);
    event InvitationCancelled(address indexed inviteId);
    event MemberJoined(address indexed member, address indexed inviteId, uint8 roles);
    event MemberRolesChanged(address indexed member, uint8 roles);
    event MemberRevoked(address indexed member);
    event MaintainerAccredited(address indexed oem, address indexed maintainer, bytes32 indexed model, uint16 region);
    event AccreditationWithdrawn(address indexed oem, address indexed maintainer, bytes32 indexed model, uint16 region);
    event GasAllowanceSet(uint256 allowance);
    event FaucetFunded(address indexed from, uint256 amount);
    event MemberToppedUp(address indexed member, uint256 amount);
    event FaucetWithdrawn(address indexed to, uint256 amount);
    event ContractPublished(
        bytes32 indexed name, address indexed addr, bytes32 sourceCid, bytes32 compilerSettingsHash
    );

    // ---------------------------------------------------------------- errors

    error NotOperator();
    error NotPendingOperator();
    error ZeroAddress();
    error InvalidRoles(uint8 roles);
    error InvalidExpiry();
    error InvitationExists(address inviteId);
    error InvitationNotFound(address inviteId);
    error InvitationExpired(address inviteId);
    error InvalidSignature();
    error AlreadyMember(address account);
    error NotMember(address account);
    error NotOEM(address account);
    error NotMaintainer(address account);
    error InvalidModel();
    error AlreadyAccredited();
    error NotAccredited();
    error InsufficientFaucetBalance(uint256 available, uint256 needed);
    error TransferFailed();
    error InvalidName();
    error InvalidCid();
    error NotAContract(address addr);

    // ---------------------------------------------------------------- construction

    constructor() {
        operator = msg.sender;
        emit OperatorTransferred(address(0), msg.sender);
    }

    modifier onlyOperator() {
        if (msg.sender != operator) revert NotOperator();
        _;
    }

    // ---------------------------------------------------------------- operator

    /// @notice Starts handing the operator role to `newOperator`, who must call acceptOperator().
    /// @param newOperator The proposed operator account (zero cancels a pending transfer).
    function transferOperator(address newOperator) external onlyOperator {
        pendingOperator = newOperator;
        emit OperatorTransferStarted(msg.sender, newOperator);
    }

    /// @notice Completes an operator transfer; callable only by the pending operator.
    function acceptOperator() external {
        if (msg.sender != pendingOperator || msg.sender == address(0)) revert NotPendingOperator();
        address previous = operator;
        operator = msg.sender;
        pendingOperator = address(0);
        emit OperatorTransferred(previous, msg.sender);
    }

    // ---------------------------------------------------------------- invitations and members

    /// @notice Creates an invitation (operator only).
    /// @param inviteId Address of the one-time key whose private key is the invitation code.
    /// @param roles Role bits granted on redemption (non-zero subset of OEM|CUSTOMER|MAINTAINER).
    /// @param expiresAt Last unix second at which the invitation can be redeemed.
    function createInvitation(address inviteId, uint8 roles, uint64 expiresAt) external onlyOperator {
        if (inviteId == address(0)) revert ZeroAddress();
        if (roles == 0 || roles & ~ROLE_MASK != 0) revert InvalidRoles(roles);
        if (expiresAt < block.timestamp) revert InvalidExpiry();
        if (_invitations[inviteId].roles != 0) revert InvitationExists(inviteId);
        _invitations[inviteId] = Invitation({roles: roles, expiresAt: expiresAt});
        emit InvitationCreated(inviteId, roles, expiresAt);
    }

    /// @notice Cancels a pending invitation (operator only).
    /// @param inviteId The invitation id (address of the one-time key).
    function cancelInvitation(address inviteId) external onlyOperator {
        if (_invitations[inviteId].roles == 0) revert InvitationNotFound(inviteId);
        delete _invitations[inviteId];
        emit InvitationCancelled(inviteId);
    }

    /// @notice Redeems an invitation for the caller, who becomes a member with the invitation's roles.
    /// @dev `signature` is the one-time key's 65-byte (r, s, v) EIP-191 signature of redemptionHash(msg.sender).
    ///      The invitation id is recovered from it; a wrong key or a signature made for another redeemer
    ///      recovers some other address and fails with InvitationNotFound.
    /// @param signature 65 bytes r ‖ s ‖ v (v = 27/28 or 0/1).
    function redeemInvitation(bytes calldata signature) external {
        if (signature.length != 65) revert InvalidSignature();
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (v < 27) v += 27;
        if (uint256(s) > HALF_N || (v != 27 && v != 28)) revert InvalidSignature();
        bytes32 digest =
            keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", redemptionHash(msg.sender)));
        address inviteId = ecrecover(digest, v, r, s);
        if (inviteId == address(0)) revert InvalidSignature();

        Invitation memory inv = _invitations[inviteId];
        if (inv.roles == 0) revert InvitationNotFound(inviteId);
        if (block.timestamp > inv.expiresAt) revert InvitationExpired(inviteId);
        if (_members[msg.sender].roles != 0) revert AlreadyMember(msg.sender);

        delete _invitations[inviteId];
        _members[msg.sender] = Member({roles: inv.roles, since: uint64(block.timestamp)});
        emit MemberJoined(msg.sender, inviteId, inv.roles);
    }

    /// @notice Replaces a member's roles (operator only). Use revokeMember to remove all roles.
    /// @param member The member account.
    /// @param roles The new non-zero role bits.
    function setMemberRoles(address member, uint8 roles) external onlyOperator {
        if (_members[member].roles == 0) revert NotMember(member);
        if (roles == 0 || roles & ~ROLE_MASK != 0) revert InvalidRoles(roles);
        _members[member].roles = roles;
        emit MemberRolesChanged(member, roles);
    }

    /// @notice Revokes a member (operator only): it loses every role. Its accreditations stop counting.
    /// @param member The member account.
    function revokeMember(address member) external onlyOperator {
        if (_members[member].roles == 0) revert NotMember(member);
        _members[member].roles = 0;
        emit MemberRevoked(member);
    }

    // ---------------------------------------------------------------- accreditation

    /// @notice Accredits `maintainer` for the caller's machines of `model` in `region` (caller must be an OEM).
    /// @param model Machine model identifier.
    /// @param region Region code, or ALL_REGIONS (65535) for every region.
    /// @param maintainer A current Maintainer member.
    function accredit(bytes32 model, uint16 region, address maintainer) external {
        if (!hasRole(msg.sender, ROLE_OEM)) revert NotOEM(msg.sender);
        if (!hasRole(maintainer, ROLE_MAINTAINER)) revert NotMaintainer(maintainer);
        if (model == bytes32(0)) revert InvalidModel();
        (bytes32 key, uint256 bit) = _accreditationSlot(msg.sender, model, region, maintainer);
        uint256 word = _accreditations[key];
        if (word & bit != 0) revert AlreadyAccredited();
        _accreditations[key] = word | bit;
        emit MaintainerAccredited(msg.sender, maintainer, model, region);
    }

    /// @notice Withdraws an accreditation the caller (an OEM, current or former) granted.
    /// @param model Machine model identifier.
    /// @param region Region code or ALL_REGIONS, exactly as accredited.
    /// @param maintainer The maintainer account.
    function withdrawAccreditation(bytes32 model, uint16 region, address maintainer) external {
        (bytes32 key, uint256 bit) = _accreditationSlot(msg.sender, model, region, maintainer);
        uint256 word = _accreditations[key];
        if (word & bit == 0) revert NotAccredited();
        _accreditations[key] = word & ~bit;
        emit AccreditationWithdrawn(msg.sender, maintainer, model, region);
    }

    /// @notice True if `maintainer` currently holds the Maintainer role and `oem` accredited it for `model`
    ///         in `region` or in ALL_REGIONS. (With region = ALL_REGIONS: accredited for every region.)
    /// @param oem The machine's OEM.
    /// @param model The machine's model.
    /// @param region The machine's region.
    /// @param maintainer The maintainer account.
    /// @return True when accredited.
    function isAccredited(address oem, bytes32 model, uint16 region, address maintainer)
        external
        view
        returns (bool)
    {
        if (_members[maintainer].roles & ROLE_MAINTAINER == 0) return false;
        uint256 word = _accreditations[keccak256(abi.encode(oem, model, maintainer))];
        if (word & ALL_REGIONS_BIT != 0) return true;
        if (region < BITMAP_REGIONS) return word & (uint256(1) << region) != 0;
        if (region == ALL_REGIONS) return false;
        return _accreditations[keccak256(abi.encode(oem, model, maintainer, region))] != 0;
    }

    /// @dev Where an accreditation is stored. Regions 0-254 and ALL_REGIONS are bits of one word per
    ///      (oem, model, maintainer): bit r for region r, bit 255 for every region, so the common check is one
    ///      SLOAD. Region codes 255-65534 have a word of their own (value 1).
    function _accreditationSlot(address oem, bytes32 model, uint16 region, address maintainer)
        internal
        pure
        returns (bytes32 key, uint256 bit)
    {
        if (region == ALL_REGIONS) return (keccak256(abi.encode(oem, model, maintainer)), ALL_REGIONS_BIT);
        if (region < BITMAP_REGIONS) return (keccak256(abi.encode(oem, model, maintainer)), uint256(1) << region);
        return (keccak256(abi.encode(oem, model, maintainer, region)), 1);
    }

    // ---------------------------------------------------------------- faucet

    /// @notice Sets the faucet target balance (operator only).
    /// @param allowance Target balance in wei.
    function setGasAllowance(uint256 allowance) external onlyOperator {
        gasAllowance = allowance;
        emit GasAllowanceSet(allowance);
    }

    /// @notice Sends ether from the faucet so that `member`'s balance reaches gasAllowance (operator only).
    /// @dev Sends nothing and emits nothing when the balance is already at or above the allowance.
    /// @param member A current member.
    /// @return sent The amount sent in wei.
    function topUp(address member) external onlyOperator returns (uint256 sent) {
        if (_members[member].roles == 0) revert NotMember(member);
        uint256 allowance = gasAllowance;
        uint256 balance = member.balance;
        if (balance >= allowance) return 0;
        sent = allowance - balance;
        if (address(this).balance < sent) revert InsufficientFaucetBalance(address(this).balance, sent);
        emit MemberToppedUp(member, sent);
        (bool ok,) = member.call{value: sent}("");
        if (!ok) revert TransferFailed();
    }

    /// @notice Withdraws faucet ether (operator only).
    /// @param to Recipient.
    /// @param amount Amount in wei.
    function withdrawFaucet(address payable to, uint256 amount) external onlyOperator {
        if (to == address(0)) revert ZeroAddress();
        if (address(this).balance < amount) revert InsufficientFaucetBalance(address(this).balance, amount);
        emit FaucetWithdrawn(to, amount);
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed();
    }

    /// @notice Funds the faucet.
    receive() external payable {
        emit FaucetFunded(msg.sender, msg.value);
    }

    // ---------------------------------------------------------------- contract directory

    /// @notice Publishes (or republishes) a deployed contract with the CID of its verifiable source (operator only).
    /// @param name Contract name, e.g. "MachineRegistry" as bytes32.
    /// @param addr Deployed address (must hold code).
    /// @param sourceCid sha256 digest of the UnixFS block of the source bundle (the CIDv0 multihash digest).
    /// @param compilerSettingsHash Hash identifying the compiler version and settings.
    function publishContract(bytes32 name, address addr, bytes32 sourceCid, bytes32 compilerSettingsHash)
        external
        onlyOperator
    {
        if (name == bytes32(0)) revert InvalidName();
        if (sourceCid == bytes32(0)) revert InvalidCid();
        if (addr.code.length == 0) revert NotAContract(addr);
        _directory[name] = Publication({
            addr: addr,
            blockNumber: uint64(block.number),
            sourceCid: sourceCid,
            compilerSettingsHash: compilerSettingsHash
        });
        emit ContractPublished(name, addr, sourceCid, compilerSettingsHash);
    }

    /// @notice The latest publication under `name` (all zero if none).
    /// @param name Contract name as bytes32.
    /// @return addr Deployed address.
    /// @return sourceCid CIDv0 digest of the source bundle.
    /// @return compilerSettingsHash Compiler settings hash.
    /// @return blockNumber Block of the publication.
    function publishedContract(bytes32 name)
        external
        view
        returns (address addr, bytes32 sourceCid, bytes32 compilerSettingsHash, uint64 blockNumber)
    {
        Publication storage p = _directory[name];
        return (p.addr, p.sourceCid, p.compilerSettingsHash, p.blockNumber);
    }

    // ---------------------------------------------------------------- views

    /// @notice True if `account` holds every bit of `role` (role must be non-zero).
    /// @param account The account.
    /// @param role One or more role bits.
    /// @return True when held.
    function hasRole(address account, uint8 role) public view returns (bool) {
        return role != 0 && _members[account].roles & role == role;
    }

    /// @notice True if `account` holds at least one role.
    /// @param account The account.
    /// @return True for a current member.
    function isMember(address account) external view returns (bool) {
        return _members[account].roles != 0;
    }

    /// @notice A member's roles and join time (roles 0 = not a member).
    /// @param account The account.
    /// @return roles Role bits.
    /// @return since Unix time of the last redemption (kept after revocation).
    function memberInfo(address account) external view returns (uint8 roles, uint64 since) {
        Member memory m = _members[account];
        return (m.roles, m.since);
    }

    /// @notice A pending invitation (roles 0 = none).
    /// @param inviteId The invitation id.
    /// @return roles Role bits granted on redemption.
    /// @return expiresAt Last unix second for redemption.
    function invitationInfo(address inviteId) external view returns (uint8 roles, uint64 expiresAt) {
        Invitation memory inv = _invitations[inviteId];
        return (inv.roles, inv.expiresAt);
    }

    /// @notice The 32-byte hash the one-time invitation key signs (as an EIP-191 personal message) so that
    ///         `redeemer` can redeem: keccak256(abi.encode(REDEEM_TAG, address(this), block.chainid, redeemer)).
    /// @param redeemer The account that will send redeemInvitation.
    /// @return The hash to sign.
    function redemptionHash(address redeemer) public view returns (bytes32) {
        return keccak256(abi.encode(REDEEM_TAG, address(this), block.chainid, redeemer));
    }
}
