// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {Consortium} from "./Consortium.sol";

/// @dev The part of Invoicing the registry calls when a customer accepts a machine and its initial terms.
interface IInvoicingTerms {
    function acceptInitialTerms(bytes32 machineId, uint32 termsVersion) external;
}

/// @title MachineRegistry: one registry for every machine, with each machine's current maintenance ticket.
/// @notice Machine life cycle (paper §4.2.1): Registered → Accepted (ready) → Executed (running) → Stopped
///         → (reset) → Accepted → ...; Terminated is final and needs both parties once the machine was
///         accepted. Each machine record also carries its current maintenance ticket (paper §6.2: "the
///         ticket is also registered with the machine contract"), so that the first-come-first-served
///         ticket cycle (open, accept, complete, close) touches one contract and a fixed set of slots. The
///         Maintenance contract runs the competitive selections (open and sealed bids) and assigns their
///         winner here.
///         Values: machine state 0 none, 1 Registered, 2 Accepted, 3 Executed, 4 Stopped, 5 Terminated;
///         ticket status 1 none yet, 2 Open, 3 Accepted, 4 Completed, 5 Closed, 6 Cancelled; ticket kind
///         1 repair, 2 preventive; selection mode 0 FCFS, 1 bidding, 2 sealed bidding; termination request
///         bits 1 OEM, 2 customer.
/// @dev Machine ids are caller-chosen non-zero bytes32 (the service uses a UUID): a retried registration
///      reverts MachineExists instead of creating a duplicate. Ticket ids are (machineId, seq) with seq
///      counting from 1 per machine; no global counter is written.
///      Storage: five slots per machine, all written non-zero at registration, so no later transition
///      writes a zero slot (zero → non-zero costs 22,100 gas, non-zero → non-zero 5,000 on a cold slot).
///      The slots are packed by hand so that each transition is one SLOAD and one SSTORE of one word:
///        head    customer (bits 0-159) | state (160-167) | termination requests (168-175)
///        scope   oem (0-159) | region (160-175)
///        model   model
///        device  device (0-159) | telemetry interval in seconds (160-191)
///        ticket  maintainer (0-159) | seq (160-191) | status (192-199) | kind (200-207) | mode (208-215)
contract MachineRegistry {
    // ---------------------------------------------------------------- constants

    uint8 internal constant STATE_NONE = 0;
    uint8 internal constant STATE_REGISTERED = 1;
    uint8 internal constant STATE_ACCEPTED = 2;
    uint8 internal constant STATE_EXECUTED = 3;
    uint8 internal constant STATE_STOPPED = 4;
    uint8 internal constant STATE_TERMINATED = 5;

    uint8 internal constant TICKET_NONE = 1; // no ticket yet: the non-zero sentinel written at registration
    uint8 internal constant TICKET_OPEN = 2;
    uint8 internal constant TICKET_ACCEPTED = 3;
    uint8 internal constant TICKET_COMPLETED = 4;
    uint8 internal constant TICKET_CLOSED = 5;
    uint8 internal constant TICKET_CANCELLED = 6;

    uint8 internal constant KIND_REPAIR = 1;
    uint8 internal constant KIND_PREVENTIVE = 2;

    uint8 internal constant MODE_FCFS = 0;
    uint8 internal constant MODE_BIDDING = 1;
    uint8 internal constant MODE_SEALED_BIDDING = 2;

    uint8 internal constant TERMINATION_BY_OEM = 1;
    uint8 internal constant TERMINATION_BY_CUSTOMER = 2;

    uint16 internal constant ALL_REGIONS = type(uint16).max;
    uint8 internal constant ROLE_OEM = 1;
    uint8 internal constant ROLE_CUSTOMER = 2;

    uint256 internal constant STATE_SHIFT = 160;
    uint256 internal constant REQUESTS_SHIFT = 168;
    uint256 internal constant REGION_SHIFT = 160;
    uint256 internal constant INTERVAL_SHIFT = 160;
    uint256 internal constant SEQ_SHIFT = 160;
    uint256 internal constant STATUS_SHIFT = 192;
    uint256 internal constant KIND_SHIFT = 200;
    uint256 internal constant MODE_SHIFT = 208;

    // ---------------------------------------------------------------- storage

    /// @dev Five packed words; layout in the contract documentation above.
    struct MachineRecord {
        uint256 head;
        uint256 scope;
        bytes32 model;
        uint256 device;
        uint256 ticket;
    }

    /// @notice The consortium (roles, accreditation, operator).
    Consortium public immutable consortium;
    /// @notice The Invoicing contract (set once by the operator).
    address public invoicing;
    /// @notice The Maintenance contract (set once by the operator).
    address public maintenance;

    mapping(bytes32 => MachineRecord) internal _machines;

    // ---------------------------------------------------------------- events

    event ModulesSet(address indexed invoicing, address indexed maintenance);
    event MachineRegistered(
        bytes32 indexed machineId,
        address indexed oem,
        address indexed customer,
        bytes32 model,
        uint16 region,
        address device,
        uint32 telemetryInterval,
        bytes32 specCid,
        bytes32 termsHash
    );
    event MachineAccepted(bytes32 indexed machineId, uint32 termsVersion);
    event MachineStarted(bytes32 indexed machineId);
    event MachineStopped(bytes32 indexed machineId);
    event MachineReset(bytes32 indexed machineId);
    event TerminationRequested(bytes32 indexed machineId, address indexed by);
    event MachineTerminated(bytes32 indexed machineId, address indexed by);
    event DeviceChanged(bytes32 indexed machineId, address device);
    event TicketOpened(
        bytes32 indexed machineId, uint32 indexed seq, uint8 kind, uint8 mode, bytes32 descriptionCid
    );
    event TicketAccepted(bytes32 indexed machineId, uint32 indexed seq, address indexed maintainer);
    event TicketCompleted(bytes32 indexed machineId, uint32 indexed seq, bytes32 reportCid);
    event TicketClosed(bytes32 indexed machineId, uint32 indexed seq);
    event TicketCancelled(bytes32 indexed machineId, uint32 indexed seq);

    // ---------------------------------------------------------------- errors

    error NotOperator();
    error ModulesAlreadySet();
    error ModulesNotSet();
    error NotMaintenanceContract();
    error ZeroAddress();
    error InvalidMachineId();
    error InvalidModel();
    error InvalidRegion();
    error InvalidTelemetryInterval();
    error InvalidCid();
    error NotOEMMember(address account);
    error NotCustomerMember(address account);
    error MachineExists(bytes32 machineId);
    error MachineNotFound(bytes32 machineId);
    error InvalidMachineState(uint8 state);
    error NotCustomer();
    error NotOEM();
    error NotParty();
    error TerminationAlreadyRequested();
    error InvalidTicketKind();
    error InvalidSelectionMode();
    error TicketActive(uint32 seq);
    error WrongTicket(uint32 currentSeq);
    error InvalidTicketState(uint8 status);
    error TicketAlreadyTaken(address maintainer);
    error WrongSelectionMode(uint8 mode);
    error NotAccredited();
    error NotAssignedMaintainer();

    // ---------------------------------------------------------------- construction and wiring

    /// @param consortium_ The Consortium contract.
    constructor(Consortium consortium_) {
        if (address(consortium_) == address(0)) revert ZeroAddress();
        consortium = consortium_;
    }

    /// @notice Wires the Invoicing and Maintenance contracts, once (consortium operator only).
    /// @param invoicing_ The Invoicing contract (constructed with this registry).
    /// @param maintenance_ The Maintenance contract (constructed with this registry).
    function setModules(address invoicing_, address maintenance_) external {
        if (msg.sender != consortium.operator()) revert NotOperator();
        if (invoicing != address(0)) revert ModulesAlreadySet();
        if (invoicing_ == address(0) || maintenance_ == address(0)) revert ZeroAddress();
        invoicing = invoicing_;
        maintenance = maintenance_;
        emit ModulesSet(invoicing_, maintenance_);
    }

    // ---------------------------------------------------------------- machine life cycle

    /// @notice Registers a machine rented by the caller (an OEM member) to `customer` (a Customer member).
    /// @dev The spec CID and the terms hash need no on-chain check: they live in the MachineRegistered event only.
    /// @param machineId Caller-chosen non-zero id (a UUID); reverts MachineExists when already used.
    /// @param customer The customer account.
    /// @param model Machine model identifier (accreditations are per OEM, model and region).
    /// @param region Region code where the machine is installed (not ALL_REGIONS = 65535).
    /// @param specCid sha256 digest of the UnixFS block of the specification document (CIDv0 digest).
    /// @param device Address of the IoT box key that signs the machine's telemetry.
    /// @param telemetryInterval Telemetry collection interval in seconds (> 0).
    /// @param termsHash Hash of the rental agreement the customer accepts together with the machine.
    function register(
        bytes32 machineId,
        address customer,
        bytes32 model,
        uint16 region,
        bytes32 specCid,
        address device,
        uint32 telemetryInterval,
        bytes32 termsHash
    ) external {
        if (machineId == bytes32(0)) revert InvalidMachineId();
        MachineRecord storage m = _machines[machineId];
        if (m.head != 0) revert MachineExists(machineId);
        if (customer == address(0) || device == address(0)) revert ZeroAddress();
        if (model == bytes32(0)) revert InvalidModel();
        if (region == ALL_REGIONS) revert InvalidRegion();
        if (telemetryInterval == 0) revert InvalidTelemetryInterval();
        if (specCid == bytes32(0)) revert InvalidCid();
        if (!consortium.hasRole(msg.sender, ROLE_OEM)) revert NotOEMMember(msg.sender);
        if (!consortium.hasRole(customer, ROLE_CUSTOMER)) revert NotCustomerMember(customer);

        m.head = uint256(uint160(customer)) | (uint256(STATE_REGISTERED) << STATE_SHIFT);
        m.scope = uint256(uint160(msg.sender)) | (uint256(region) << REGION_SHIFT);
        m.model = model;
        m.device = uint256(uint160(device)) | (uint256(telemetryInterval) << INTERVAL_SHIFT);
        m.ticket = uint256(TICKET_NONE) << STATUS_SHIFT;
        emit MachineRegistered(
            machineId, msg.sender, customer, model, region, device, telemetryInterval, specCid, termsHash
        );
    }

    /// @notice The customer accepts the machine and its initial Invoicing terms: Registered → Accepted.
    /// @dev Calls Invoicing.acceptInitialTerms, which reverts TermsNotSet when the OEM has not set terms yet and
    ///      StaleTermsVersion when `termsVersion` is not the latest proposal.
    /// @param machineId The machine.
    /// @param termsVersion The Invoicing terms version the customer reviewed.
    function accept(bytes32 machineId, uint32 termsVersion) external {
        MachineRecord storage m = _machines[machineId];
        uint256 head = m.head;
        if (head == 0) revert MachineNotFound(machineId);
        if (msg.sender != address(uint160(head))) revert NotCustomer();
        uint8 state = uint8(head >> STATE_SHIFT);
        if (state != STATE_REGISTERED) revert InvalidMachineState(state);
        if (!consortium.hasRole(msg.sender, ROLE_CUSTOMER)) revert NotCustomerMember(msg.sender);
        address inv = invoicing;
        if (inv == address(0)) revert ModulesNotSet();
        IInvoicingTerms(inv).acceptInitialTerms(machineId, termsVersion);
        m.head = _withState(head, STATE_ACCEPTED);
        emit MachineAccepted(machineId, termsVersion);
    }

    /// @notice The customer starts the machine: Accepted → Executed.
    /// @param machineId The machine.
    function start(bytes32 machineId) external {
        MachineRecord storage m = _machines[machineId];
        uint256 head = m.head;
        if (msg.sender != address(uint160(head))) revert NotCustomer();
        uint8 state = uint8(head >> STATE_SHIFT);
        if (state != STATE_ACCEPTED) revert InvalidMachineState(state);
        m.head = _transition(head, STATE_ACCEPTED, STATE_EXECUTED);
        emit MachineStarted(machineId);
    }

    /// @notice The customer or the OEM stops the machine: Executed → Stopped.
    /// @param machineId The machine.
    function stop(bytes32 machineId) external {
        MachineRecord storage m = _machines[machineId];
        uint256 head = m.head;
        if (msg.sender != address(uint160(head)) && msg.sender != address(uint160(m.scope))) revert NotParty();
        uint8 state = uint8(head >> STATE_SHIFT);
        if (state != STATE_EXECUTED) revert InvalidMachineState(state);
        m.head = _transition(head, STATE_EXECUTED, STATE_STOPPED);
        emit MachineStopped(machineId);
    }

    /// @notice The customer or the OEM resets a stopped machine to ready: Stopped → Accepted. It does not
    ///         look at the ticket: closing the ticket and resetting the machine are independent steps.
    /// @param machineId The machine.
    function resetMachineState(bytes32 machineId) external {
        MachineRecord storage m = _machines[machineId];
        uint256 head = m.head;
        if (msg.sender != address(uint160(head)) && msg.sender != address(uint160(m.scope))) revert NotParty();
        uint8 state = uint8(head >> STATE_SHIFT);
        if (state != STATE_STOPPED) revert InvalidMachineState(state);
        m.head = _transition(head, STATE_STOPPED, STATE_ACCEPTED);
        emit MachineReset(machineId);
    }

    /// @notice The customer or the OEM asks to terminate. Before acceptance one request terminates (withdrawal
    ///         or refusal); after acceptance the machine is Terminated once both parties have asked. Refused
    ///         while a ticket is open, accepted or completed. A terminated machine refuses every transition.
    /// @param machineId The machine.
    function requestTermination(bytes32 machineId) external {
        MachineRecord storage m = _machines[machineId];
        uint256 head = m.head;
        if (head == 0) revert MachineNotFound(machineId);
        uint256 bit;
        if (msg.sender == address(uint160(head))) bit = TERMINATION_BY_CUSTOMER;
        else if (msg.sender == address(uint160(m.scope))) bit = TERMINATION_BY_OEM;
        else revert NotParty();
        uint8 state = uint8(head >> STATE_SHIFT);
        if (state == STATE_TERMINATED) revert InvalidMachineState(state);
        uint256 t = m.ticket;
        if (_isActive(uint8(t >> STATUS_SHIFT))) revert TicketActive(uint32(t >> SEQ_SHIFT));
        uint256 requests = uint8(head >> REQUESTS_SHIFT);
        if (requests & bit != 0) revert TerminationAlreadyRequested();
        requests |= bit;
        head = (head & ~(uint256(0xff) << REQUESTS_SHIFT)) | (requests << REQUESTS_SHIFT);
        if (state == STATE_REGISTERED || requests == TERMINATION_BY_OEM | TERMINATION_BY_CUSTOMER) {
            m.head = _withState(head, STATE_TERMINATED);
            emit MachineTerminated(machineId, msg.sender);
        } else {
            m.head = head;
            emit TerminationRequested(machineId, msg.sender);
        }
    }

    /// @notice The OEM replaces the IoT box key of a machine that is not terminated.
    /// @param machineId The machine.
    /// @param device The new device address.
    function changeDevice(bytes32 machineId, address device) external {
        MachineRecord storage m = _machines[machineId];
        if (msg.sender != address(uint160(m.scope))) revert NotOEM();
        uint8 state = uint8(m.head >> STATE_SHIFT);
        if (state == STATE_TERMINATED) revert InvalidMachineState(state);
        if (device == address(0)) revert ZeroAddress();
        m.device = (m.device & ~uint256(type(uint160).max)) | uint256(uint160(device));
        emit DeviceChanged(machineId, device);
    }

    // ---------------------------------------------------------------- maintenance tickets

    /// @notice The customer opens a first-come-first-served maintenance ticket (for bidding use
    ///         Maintenance.openAuction). Allowed while the machine is Accepted, Executed or Stopped and no
    ///         other ticket is open, accepted or completed.
    /// @param machineId The machine.
    /// @param kind 1 repair or 2 preventive.
    /// @param descriptionCid CIDv0 digest of the problem description document.
    /// @return seq The ticket's per-machine sequence number.
    function openTicket(bytes32 machineId, uint8 kind, bytes32 descriptionCid) external returns (uint32 seq) {
        return _openTicket(msg.sender, machineId, kind, MODE_FCFS, descriptionCid);
    }

    /// @notice Opens a ticket whose maintainer is chosen by the Maintenance contract (Maintenance only).
    /// @param customer The account that called Maintenance.openAuction (must be the machine's customer).
    /// @param machineId The machine.
    /// @param kind 1 repair or 2 preventive.
    /// @param mode 1 bidding or 2 sealed bidding.
    /// @param descriptionCid CIDv0 digest of the problem description document.
    /// @return seq The ticket's per-machine sequence number.
    function openTicketFor(address customer, bytes32 machineId, uint8 kind, uint8 mode, bytes32 descriptionCid)
        external
        returns (uint32 seq)
    {
        if (msg.sender != maintenance) revert NotMaintenanceContract();
        if (mode != MODE_BIDDING && mode != MODE_SEALED_BIDDING) revert InvalidSelectionMode();
        return _openTicket(customer, machineId, kind, mode, descriptionCid);
    }

    function _openTicket(address caller, bytes32 machineId, uint8 kind, uint8 mode, bytes32 descriptionCid)
        internal
        returns (uint32 seq)
    {
        MachineRecord storage m = _machines[machineId];
        uint256 head = m.head;
        if (caller != address(uint160(head))) revert NotCustomer();
        uint8 state = uint8(head >> STATE_SHIFT);
        if (state != STATE_ACCEPTED && state != STATE_EXECUTED && state != STATE_STOPPED) {
            revert InvalidMachineState(state);
        }
        if (kind != KIND_REPAIR && kind != KIND_PREVENTIVE) revert InvalidTicketKind();
        if (descriptionCid == bytes32(0)) revert InvalidCid();
        uint256 t = m.ticket;
        seq = uint32(t >> SEQ_SHIFT);
        if (_isActive(uint8(t >> STATUS_SHIFT))) revert TicketActive(seq);
        unchecked {
            ++seq;
        }
        m.ticket = (uint256(seq) << SEQ_SHIFT) | (uint256(TICKET_OPEN) << STATUS_SHIFT)
            | (uint256(kind) << KIND_SHIFT) | (uint256(mode) << MODE_SHIFT);
        emit TicketOpened(machineId, seq, kind, mode, descriptionCid);
    }

    /// @notice An accredited maintainer takes an open FCFS ticket; the first acceptance in chain order wins,
    ///         later ones revert TicketAlreadyTaken.
    /// @param machineId The machine.
    /// @param seq The ticket sequence number.
    function acceptTicket(bytes32 machineId, uint32 seq) external {
        MachineRecord storage m = _machines[machineId];
        uint256 t = m.ticket;
        uint8 status = _checkTicket(t, seq);
        if (status != TICKET_OPEN) {
            if (status == TICKET_CANCELLED) revert InvalidTicketState(status);
            revert TicketAlreadyTaken(address(uint160(t)));
        }
        uint8 mode = uint8(t >> MODE_SHIFT);
        if (mode != MODE_FCFS) revert WrongSelectionMode(mode);
        uint256 scope = m.scope;
        if (!consortium.isAccredited(address(uint160(scope)), m.model, uint16(scope >> REGION_SHIFT), msg.sender)) {
            revert NotAccredited();
        }
        m.ticket = _assigned(t, msg.sender);
        emit TicketAccepted(machineId, seq, msg.sender);
    }

    /// @notice Assigns the winner of a bidding ticket (Maintenance only).
    /// @param machineId The machine.
    /// @param seq The ticket sequence number.
    /// @param winner The selected maintainer.
    function assignTicket(bytes32 machineId, uint32 seq, address winner) external {
        if (msg.sender != maintenance) revert NotMaintenanceContract();
        MachineRecord storage m = _machines[machineId];
        uint256 t = m.ticket;
        uint8 status = _checkTicket(t, seq);
        if (status != TICKET_OPEN) revert InvalidTicketState(status);
        uint8 mode = uint8(t >> MODE_SHIFT);
        if (mode == MODE_FCFS) revert WrongSelectionMode(mode);
        m.ticket = _assigned(t, winner);
        emit TicketAccepted(machineId, seq, winner);
    }

    /// @notice The assigned maintainer reports the work done: Accepted → Completed.
    /// @param machineId The machine.
    /// @param seq The ticket sequence number.
    /// @param reportCid CIDv0 digest of the maintenance report document.
    function completeTicket(bytes32 machineId, uint32 seq, bytes32 reportCid) external {
        MachineRecord storage m = _machines[machineId];
        uint256 t = m.ticket;
        uint8 status = _checkTicket(t, seq);
        if (status != TICKET_ACCEPTED) revert InvalidTicketState(status);
        if (msg.sender != address(uint160(t))) revert NotAssignedMaintainer();
        if (reportCid == bytes32(0)) revert InvalidCid();
        m.ticket = _withStatus(t, TICKET_COMPLETED);
        emit TicketCompleted(machineId, seq, reportCid);
    }

    /// @notice The customer closes a completed ticket: Completed → Closed.
    /// @param machineId The machine.
    /// @param seq The ticket sequence number.
    function closeTicket(bytes32 machineId, uint32 seq) external {
        MachineRecord storage m = _machines[machineId];
        if (msg.sender != address(uint160(m.head))) revert NotCustomer();
        uint256 t = m.ticket;
        uint8 status = _checkTicket(t, seq);
        if (status != TICKET_COMPLETED) revert InvalidTicketState(status);
        m.ticket = _withStatus(t, TICKET_CLOSED);
        emit TicketClosed(machineId, seq);
    }

    /// @notice The customer cancels a ticket that is open or accepted but not completed: → Cancelled.
    /// @param machineId The machine.
    /// @param seq The ticket sequence number.
    function cancelTicket(bytes32 machineId, uint32 seq) external {
        MachineRecord storage m = _machines[machineId];
        if (msg.sender != address(uint160(m.head))) revert NotCustomer();
        uint256 t = m.ticket;
        uint8 status = _checkTicket(t, seq);
        if (status != TICKET_OPEN && status != TICKET_ACCEPTED) revert InvalidTicketState(status);
        m.ticket = _withStatus(t, TICKET_CANCELLED);
        emit TicketCancelled(machineId, seq);
    }

    // ---------------------------------------------------------------- packing helpers

    function _withState(uint256 head, uint8 state) internal pure returns (uint256) {
        return (head & ~(uint256(0xff) << STATE_SHIFT)) | (uint256(state) << STATE_SHIFT);
    }

    /// @dev The head word with its state changed from `from` (the current state, already checked) to `to`.
    function _transition(uint256 head, uint8 from, uint8 to) internal pure returns (uint256) {
        return head ^ (uint256(from ^ to) << STATE_SHIFT);
    }

    function _withStatus(uint256 t, uint8 status) internal pure returns (uint256) {
        return (t & ~(uint256(0xff) << STATUS_SHIFT)) | (uint256(status) << STATUS_SHIFT);
    }

    function _assigned(uint256 t, address maintainer) internal pure returns (uint256) {
        return (_withStatus(t, TICKET_ACCEPTED) & ~uint256(type(uint160).max)) | uint256(uint160(maintainer));
    }

    /// @dev Reverts WrongTicket unless `seq` is the machine's current ticket; returns its status.
    function _checkTicket(uint256 t, uint32 seq) internal pure returns (uint8) {
        uint32 current = uint32(t >> SEQ_SHIFT);
        if (seq != current || current == 0) revert WrongTicket(current);
        return uint8(t >> STATUS_SHIFT);
    }

    function _isActive(uint8 status) internal pure returns (bool) {
        return status == TICKET_OPEN || status == TICKET_ACCEPTED || status == TICKET_COMPLETED;
    }

    // ---------------------------------------------------------------- views

    /// @notice Every stored field of a machine (all zero when unknown).
    /// @param machineId The machine.
    /// @return oem The OEM.
    /// @return customer The customer.
    /// @return model The model.
    /// @return region The region.
    /// @return device The IoT box address.
    /// @return telemetryInterval Telemetry interval in seconds.
    /// @return state Machine state (0 none, 1 Registered, 2 Accepted, 3 Executed, 4 Stopped, 5 Terminated).
    /// @return terminationRequests Termination request bits (1 OEM, 2 customer).
    function machine(bytes32 machineId)
        external
        view
        returns (
            address oem,
            address customer,
            bytes32 model,
            uint16 region,
            address device,
            uint32 telemetryInterval,
            uint8 state,
            uint8 terminationRequests
        )
    {
        MachineRecord storage m = _machines[machineId];
        uint256 head = m.head;
        uint256 scope = m.scope;
        uint256 dev = m.device;
        return (
            address(uint160(scope)),
            address(uint160(head)),
            m.model,
            uint16(scope >> REGION_SHIFT),
            address(uint160(dev)),
            uint32(dev >> INTERVAL_SHIFT),
            uint8(head >> STATE_SHIFT),
            uint8(head >> REQUESTS_SHIFT)
        );
    }

    /// @notice The parties of a machine and its state (used by Invoicing).
    /// @param machineId The machine.
    /// @return oem The OEM.
    /// @return customer The customer.
    /// @return state The machine state.
    function parties(bytes32 machineId) external view returns (address oem, address customer, uint8 state) {
        MachineRecord storage m = _machines[machineId];
        uint256 head = m.head;
        return (address(uint160(m.scope)), address(uint160(head)), uint8(head >> STATE_SHIFT));
    }

    /// @notice The machine's current ticket.
    /// @param machineId The machine.
    /// @return seq Sequence number (0 = no ticket yet).
    /// @return status 1 none yet, 2 Open, 3 Accepted, 4 Completed, 5 Closed, 6 Cancelled (0: unknown machine).
    /// @return kind 1 repair, 2 preventive.
    /// @return mode 0 FCFS, 1 bidding, 2 sealed bidding.
    /// @return maintainer Assigned maintainer (zero while open).
    function ticket(bytes32 machineId)
        external
        view
        returns (uint32 seq, uint8 status, uint8 kind, uint8 mode, address maintainer)
    {
        uint256 t = _machines[machineId].ticket;
        return (
            uint32(t >> SEQ_SHIFT),
            uint8(t >> STATUS_SHIFT),
            uint8(t >> KIND_SHIFT),
            uint8(t >> MODE_SHIFT),
            address(uint160(t))
        );
    }

    /// @notice What a maintainer's eligibility check needs: the current ticket and the accreditation scope.
    /// @param machineId The machine.
    /// @return seq Current ticket sequence number.
    /// @return status Current ticket status.
    /// @return mode Current ticket selection mode.
    /// @return oem The machine's OEM.
    /// @return model The machine's model.
    /// @return region The machine's region.
    function ticketScope(bytes32 machineId)
        external
        view
        returns (uint32 seq, uint8 status, uint8 mode, address oem, bytes32 model, uint16 region)
    {
        MachineRecord storage m = _machines[machineId];
        uint256 t = m.ticket;
        uint256 scope = m.scope;
        return (
            uint32(t >> SEQ_SHIFT),
            uint8(t >> STATUS_SHIFT),
            uint8(t >> MODE_SHIFT),
            address(uint160(scope)),
            m.model,
            uint16(scope >> REGION_SHIFT)
        );
    }
}
