// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {MachineRegistry} from "./MachineRegistry.sol";

/// @title Invoicing: versioned pricing/SLA terms per machine and one invoice commitment per billing period.
/// @notice Terms (paper §4.2.1 "invoice contract"): the OEM proposes a version (hash of the pricing/SLA
///         document, billing period in seconds); the customer accepts the first version together with the
///         machine (MachineRegistry.accept) and later versions here; a later version applies from the next
///         billing period. Period p covers [epoch + p·billingPeriod, epoch + (p+1)·billingPeriod), where epoch
///         is the time the machine was accepted. The billing period is fixed once terms were accepted.
///         Each accepted version applies to the periods [fromPeriod, untilPeriod): untilPeriod is the first
///         period of the next accepted version (termsApplicability). Every version ever accepted keeps its range,
///         so a late or corrected invoice of an early period is checked against the version of that period.
///         Invoices: the OEM issues, for an ended period and the terms version it was computed under (which must
///         apply to that period), a commitment to (total, invoice document hash, inputs root); the customer
///         accepts or disputes it. A dispute is resolved either by the OEM issuing a corrected revision for the
///         same period, or by the customer accepting the disputed revision (both parties agree). The OEM settles
///         an accepted invoice once paid off-chain.
///         Invoice status values: 0 none, 1 Issued, 2 Accepted, 3 Disputed, 4 Settled.
/// @dev Invoice id = (machineId, period, revision); only the latest revision of a period is stored, in one
///      slot: bits 255..32 the top 224 bits of invoiceCommitment(...), bits 31..16 the revision, bits 15..8
///      the status. Earlier revisions stay in the InvoiceIssued events.
///      Terms ranges: the active version's range is [activeFromPeriod, open) in the Terms slot; when a newer
///      version is accepted, the superseded one gets one slot in _supersededRanges (fromPeriod bits 0..31,
///      untilPeriod bits 32..63; untilPeriod > fromPeriod, so a written slot is never zero). A version never
///      accepted has neither. The first acceptance (from period 0, in MachineRegistry.accept) writes no new
///      slot; each later change writes exactly one. All checks are O(1).
contract Invoicing {
    // ---------------------------------------------------------------- constants

    /// @notice Invoice statuses.
    uint8 internal constant INVOICE_NONE = 0;
    uint8 internal constant INVOICE_ISSUED = 1;
    uint8 internal constant INVOICE_ACCEPTED = 2;
    uint8 internal constant INVOICE_DISPUTED = 3;
    uint8 internal constant INVOICE_SETTLED = 4;

    uint8 internal constant STATE_NONE = 0;
    uint8 internal constant STATE_TERMINATED = 5;
    uint256 internal constant COMMITMENT_MASK = ~uint256(0xffffffff);

    // ---------------------------------------------------------------- storage

    /// @dev One slot per machine.
    struct Terms {
        uint32 latestVersion; // last proposed version (0 = none)
        uint32 activeVersion; // version applying from activeFromPeriod (0 = not accepted yet)
        uint32 previousVersion; // version applying right before activeFromPeriod (0 = none)
        uint32 activeFromPeriod;
        uint32 billingPeriod; // seconds
        uint64 epoch; // acceptance time: start of period 0
    }

    /// @notice The machine registry (parties and machine state).
    MachineRegistry public immutable registry;

    mapping(bytes32 => Terms) internal _terms;
    mapping(bytes32 => mapping(uint32 => bytes32)) internal _termsHashes; // machine → version → hash
    mapping(bytes32 => mapping(uint32 => uint256)) internal _supersededRanges; // machine → version → from | until << 32
    mapping(bytes32 => mapping(uint32 => uint256)) internal _invoices; // machine → period → record

    // ---------------------------------------------------------------- events

    event TermsProposed(bytes32 indexed machineId, uint32 indexed version, bytes32 termsHash, uint32 billingPeriod);
    event TermsAccepted(bytes32 indexed machineId, uint32 indexed version, uint32 fromPeriod);
    event InvoiceIssued(
        bytes32 indexed machineId,
        uint32 indexed period,
        uint16 revision,
        uint32 termsVersion,
        uint128 total,
        bytes32 invoiceHash,
        bytes32 inputsRoot
    );
    event InvoiceAccepted(bytes32 indexed machineId, uint32 indexed period, uint16 revision);
    event InvoiceDisputed(bytes32 indexed machineId, uint32 indexed period, uint16 revision, bytes32 evidenceCid);
    event InvoiceSettled(bytes32 indexed machineId, uint32 indexed period, uint16 revision);

    // ---------------------------------------------------------------- errors

    error ZeroAddress();
    error NotRegistry();
    error MachineNotFound(bytes32 machineId);
    error MachineTerminated(bytes32 machineId);
    error NotOEM();
    error NotCustomer();
    error InvalidTermsHash();
    error InvalidBillingPeriod();
    error BillingPeriodFixed(uint32 billingPeriod);
    error TermsNotSet();
    error StaleTermsVersion(uint32 latestVersion);
    error TermsNotActive();
    error TermsChangePending(uint32 fromPeriod);
    error PeriodNotEnded(uint32 period);
    error TermsNotApplicable(uint32 version, uint32 period);
    error InvalidInvoiceHash();
    error InvalidCid();
    error InvoiceExists(uint8 status);
    error InvoiceNotFound();
    error WrongRevision(uint16 currentRevision);
    error InvalidInvoiceState(uint8 status);

    // ---------------------------------------------------------------- construction

    /// @param registry_ The MachineRegistry (which must then be wired to this contract with setModules).
    constructor(MachineRegistry registry_) {
        if (address(registry_) == address(0)) revert ZeroAddress();
        registry = registry_;
    }

    // ---------------------------------------------------------------- terms

    /// @notice The machine's OEM proposes a new terms version (the "invoice contract" of the paper).
    /// @param machineId The machine (not terminated).
    /// @param termsHash Hash of the pricing/SLA document of this version.
    /// @param billingPeriod Billing period in seconds; must equal the current one once terms were accepted.
    /// @return version The new version number (1, 2, ...).
    function setTerms(bytes32 machineId, bytes32 termsHash, uint32 billingPeriod) external returns (uint32 version) {
        (address oem,, uint8 state) = registry.parties(machineId);
        if (state == STATE_NONE) revert MachineNotFound(machineId);
        if (msg.sender != oem) revert NotOEM();
        if (state == STATE_TERMINATED) revert MachineTerminated(machineId);
        if (termsHash == bytes32(0)) revert InvalidTermsHash();
        if (billingPeriod == 0) revert InvalidBillingPeriod();
        Terms storage t = _terms[machineId];
        if (t.activeVersion != 0) {
            if (billingPeriod != t.billingPeriod) revert BillingPeriodFixed(t.billingPeriod);
        } else {
            t.billingPeriod = billingPeriod;
        }
        version = t.latestVersion + 1;
        t.latestVersion = version;
        _termsHashes[machineId][version] = termsHash;
        emit TermsProposed(machineId, version, termsHash, billingPeriod);
    }

    /// @notice Accepts the first terms version as part of MachineRegistry.accept (registry only; the registry
    ///         calls it once per machine, on its Registered → Accepted transition).
    /// @param machineId The machine.
    /// @param termsVersion Must be the latest proposed version.
    function acceptInitialTerms(bytes32 machineId, uint32 termsVersion) external {
        if (msg.sender != address(registry)) revert NotRegistry();
        Terms storage t = _terms[machineId];
        uint32 latest = t.latestVersion;
        if (latest == 0) revert TermsNotSet();
        if (termsVersion != latest) revert StaleTermsVersion(latest);
        t.activeVersion = termsVersion;
        t.epoch = uint64(block.timestamp);
        emit TermsAccepted(machineId, termsVersion, 0);
    }

    /// @notice The customer accepts a newer terms version; it applies from the next billing period.
    /// @param machineId The machine (accepted, not terminated).
    /// @param version Must be the latest proposed version and newer than the active one.
    function acceptTerms(bytes32 machineId, uint32 version) external {
        (, address customer, uint8 state) = registry.parties(machineId);
        if (state == STATE_NONE) revert MachineNotFound(machineId);
        if (msg.sender != customer) revert NotCustomer();
        if (state == STATE_TERMINATED) revert MachineTerminated(machineId);
        Terms storage t = _terms[machineId];
        uint32 active = t.activeVersion;
        if (active == 0) revert TermsNotActive();
        uint32 latest = t.latestVersion;
        if (version != latest || version == active) revert StaleTermsVersion(latest);
        uint32 next = _currentPeriod(t) + 1;
        uint32 activeFrom = t.activeFromPeriod;
        if (activeFrom >= next) revert TermsChangePending(activeFrom);
        // The superseded version applied to [activeFrom, next); next > activeFrom, so the word is non-zero.
        _supersededRanges[machineId][active] = uint256(activeFrom) | (uint256(next) << 32);
        t.previousVersion = active;
        t.activeVersion = version;
        t.activeFromPeriod = next;
        emit TermsAccepted(machineId, version, next);
    }

    // ---------------------------------------------------------------- invoices

    /// @notice The OEM issues the invoice of an ended billing period (revision 0), or a corrected revision
    ///         of a disputed one, computed under the terms version that applied to the period.
    /// @param machineId The machine (terms accepted; may be terminated: the final invoice).
    /// @param period Billing period index (0 = first period after acceptance).
    /// @param total Invoice total in minor currency units.
    /// @param invoiceHash Hash of the canonical invoice document.
    /// @param inputsRoot Root over the anchored telemetry inputs of the period.
    /// @param termsVersion The terms version the invoice was computed under; must apply to `period`
    ///        (termsApplicability), else TermsNotApplicable(termsVersion, period).
    /// @return revision The revision issued.
    function issueInvoice(
        bytes32 machineId,
        uint32 period,
        uint128 total,
        bytes32 invoiceHash,
        bytes32 inputsRoot,
        uint32 termsVersion
    ) external returns (uint16 revision) {
        (address oem,, uint8 state) = registry.parties(machineId);
        if (state == STATE_NONE) revert MachineNotFound(machineId);
        if (msg.sender != oem) revert NotOEM();
        if (invoiceHash == bytes32(0)) revert InvalidInvoiceHash();
        Terms memory t = _terms[machineId];
        if (t.activeVersion == 0) revert TermsNotActive();
        if (block.timestamp < uint256(t.epoch) + (uint256(period) + 1) * t.billingPeriod) {
            revert PeriodNotEnded(period);
        }
        if (termsVersion == t.activeVersion) {
            if (period < t.activeFromPeriod) revert TermsNotApplicable(termsVersion, period);
        } else {
            uint256 range = _supersededRanges[machineId][termsVersion];
            if (period < uint32(range) || period >= uint32(range >> 32)) revert TermsNotApplicable(termsVersion, period);
        }
        uint256 record = _invoices[machineId][period];
        if (record != 0) {
            uint8 status = uint8(record >> 8);
            if (status != INVOICE_DISPUTED) revert InvoiceExists(status);
            revision = uint16(record >> 16) + 1;
        }
        bytes32 commitment =
            invoiceCommitment(machineId, period, revision, termsVersion, total, invoiceHash, inputsRoot);
        _invoices[machineId][period] = (uint256(commitment) & COMMITMENT_MASK) | (uint256(revision) << 16)
            | (uint256(INVOICE_ISSUED) << 8);
        emit InvoiceIssued(machineId, period, revision, termsVersion, total, invoiceHash, inputsRoot);
    }

    /// @notice The customer accepts an issued invoice, or a disputed one (withdrawing its dispute).
    /// @param machineId The machine.
    /// @param period Billing period index.
    /// @param revision The revision accepted (must be the latest).
    function acceptInvoice(bytes32 machineId, uint32 period, uint16 revision) external {
        (, address customer,) = registry.parties(machineId);
        if (msg.sender != customer) revert NotCustomer();
        uint256 record = _loadInvoice(machineId, period, revision);
        uint8 status = uint8(record >> 8);
        if (status != INVOICE_ISSUED && status != INVOICE_DISPUTED) revert InvalidInvoiceState(status);
        _invoices[machineId][period] = _withStatus(record, INVOICE_ACCEPTED);
        emit InvoiceAccepted(machineId, period, revision);
    }

    /// @notice The customer disputes an issued invoice, pointing at its evidence (e.g. its recomputed invoice).
    /// @param machineId The machine.
    /// @param period Billing period index.
    /// @param revision The revision disputed (must be the latest).
    /// @param evidenceCid CIDv0 digest of the evidence document.
    function disputeInvoice(bytes32 machineId, uint32 period, uint16 revision, bytes32 evidenceCid) external {
        (, address customer,) = registry.parties(machineId);
        if (msg.sender != customer) revert NotCustomer();
        if (evidenceCid == bytes32(0)) revert InvalidCid();
        uint256 record = _loadInvoice(machineId, period, revision);
        uint8 status = uint8(record >> 8);
        if (status != INVOICE_ISSUED) revert InvalidInvoiceState(status);
        _invoices[machineId][period] = _withStatus(record, INVOICE_DISPUTED);
        emit InvoiceDisputed(machineId, period, revision, evidenceCid);
    }

    /// @notice The OEM records that an accepted invoice was paid: Accepted → Settled.
    /// @param machineId The machine.
    /// @param period Billing period index.
    /// @param revision The revision settled (must be the latest).
    function settleInvoice(bytes32 machineId, uint32 period, uint16 revision) external {
        (address oem,,) = registry.parties(machineId);
        if (msg.sender != oem) revert NotOEM();
        uint256 record = _loadInvoice(machineId, period, revision);
        uint8 status = uint8(record >> 8);
        if (status != INVOICE_ACCEPTED) revert InvalidInvoiceState(status);
        _invoices[machineId][period] = _withStatus(record, INVOICE_SETTLED);
        emit InvoiceSettled(machineId, period, revision);
    }

    function _loadInvoice(bytes32 machineId, uint32 period, uint16 revision) internal view returns (uint256 record) {
        record = _invoices[machineId][period];
        if (record == 0) revert InvoiceNotFound();
        uint16 current = uint16(record >> 16);
        if (revision != current) revert WrongRevision(current);
    }

    function _withStatus(uint256 record, uint8 status) internal pure returns (uint256) {
        return (record & ~uint256(0xff00)) | (uint256(status) << 8);
    }

    function _currentPeriod(Terms storage t) internal view returns (uint32) {
        return uint32((block.timestamp - t.epoch) / t.billingPeriod);
    }

    // ---------------------------------------------------------------- views

    /// @notice True once the customer accepted a terms version.
    /// @param machineId The machine.
    /// @return True when terms are active.
    function termsAccepted(bytes32 machineId) external view returns (bool) {
        return _terms[machineId].activeVersion != 0;
    }

    /// @notice The machine's terms bookkeeping.
    /// @param machineId The machine.
    /// @return latestVersion Last proposed version (0 = none).
    /// @return activeVersion Version applying from activeFromPeriod (0 = not accepted).
    /// @return activeTermsHash Hash of the active version's document.
    /// @return previousVersion Version applying right before activeFromPeriod (0 = none); older ranges:
    ///         termsApplicability.
    /// @return activeFromPeriod First period of the active version.
    /// @return billingPeriod Billing period in seconds.
    /// @return epoch Start of period 0 (acceptance time).
    function currentTerms(bytes32 machineId)
        external
        view
        returns (
            uint32 latestVersion,
            uint32 activeVersion,
            bytes32 activeTermsHash,
            uint32 previousVersion,
            uint32 activeFromPeriod,
            uint32 billingPeriod,
            uint64 epoch
        )
    {
        Terms memory t = _terms[machineId];
        return (
            t.latestVersion,
            t.activeVersion,
            _termsHashes[machineId][t.activeVersion],
            t.previousVersion,
            t.activeFromPeriod,
            t.billingPeriod,
            t.epoch
        );
    }

    /// @notice The document hash of one terms version (zero if unknown).
    /// @param machineId The machine.
    /// @param version The version.
    /// @return The terms hash.
    function termsHashOf(bytes32 machineId, uint32 version) external view returns (bytes32) {
        return _termsHashes[machineId][version];
    }

    /// @notice The billing periods a terms version applies to: [fromPeriod, untilPeriod). The active version
    ///         has untilPeriod = type(uint32).max (open: no later version accepted yet); a version never
    ///         accepted (only proposed, superseded before acceptance, or unknown) has the empty range (0, 0).
    ///         issueInvoice accepts `version` for period p exactly when fromPeriod <= p < untilPeriod.
    /// @param machineId The machine.
    /// @param version The terms version.
    /// @return fromPeriod First period the version applies to.
    /// @return untilPeriod First period it no longer applies to.
    function termsApplicability(bytes32 machineId, uint32 version)
        external
        view
        returns (uint32 fromPeriod, uint32 untilPeriod)
    {
        Terms memory t = _terms[machineId];
        if (version != 0 && version == t.activeVersion) return (t.activeFromPeriod, type(uint32).max);
        uint256 range = _supersededRanges[machineId][version];
        return (uint32(range), uint32(range >> 32));
    }

    /// @notice The latest invoice of a period.
    /// @param machineId The machine.
    /// @param period Billing period index.
    /// @return revision Latest revision.
    /// @return status 0 not issued, 1 Issued, 2 Accepted, 3 Disputed, 4 Settled.
    /// @return commitment Top 224 bits of invoiceCommitment(...) of that revision.
    function invoice(bytes32 machineId, uint32 period)
        external
        view
        returns (uint16 revision, uint8 status, bytes28 commitment)
    {
        uint256 record = _invoices[machineId][period];
        return (uint16(record >> 16), uint8(record >> 8), bytes28(bytes32(record & COMMITMENT_MASK)));
    }

    /// @notice A single 32-byte identifier of an invoice revision, for off-chain indexing.
    /// @param machineId The machine.
    /// @param period Billing period index.
    /// @param revision Revision.
    /// @return keccak256(abi.encode(machineId, period, revision)).
    function invoiceId(bytes32 machineId, uint32 period, uint16 revision) external pure returns (bytes32) {
        return keccak256(abi.encode(machineId, period, revision));
    }

    /// @notice The commitment stored for an invoice (its top 224 bits are kept on chain).
    /// @param machineId The machine.
    /// @param period Billing period index.
    /// @param revision Revision.
    /// @param termsVersion Terms version applying to the period.
    /// @param total Total in minor units.
    /// @param invoiceHash Invoice document hash.
    /// @param inputsRoot Inputs root.
    /// @return keccak256(abi.encode(machineId, period, revision, termsVersion, total, invoiceHash, inputsRoot)).
    function invoiceCommitment(
        bytes32 machineId,
        uint32 period,
        uint16 revision,
        uint32 termsVersion,
        uint128 total,
        bytes32 invoiceHash,
        bytes32 inputsRoot
    ) public pure returns (bytes32) {
        return keccak256(abi.encode(machineId, period, revision, termsVersion, total, invoiceHash, inputsRoot));
    }
}
