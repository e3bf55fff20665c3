using MaaS.Chain.Transactions;

namespace MaaS.Chain.Contracts;

/// <summary>
/// The MachineRegistry contract: every machine's record and life cycle, and each machine's current maintenance ticket
/// with its first-come-first-served cycle. Write methods build the transaction for <see cref="ITransactionWriter"/>;
/// <c>from</c> is the acting member (OEM, customer or maintainer), whose role the contract checks.
/// </summary>
public interface IMachineRegistry
{
    string Address { get; }

    // ---- machine life cycle
    /// <summary>The OEM (<paramref name="from"/>) registers a machine rented to a customer.</summary>
    TransactionRequest Register(string idempotencyKey, string from, MachineRegistration machine);

    /// <summary>The customer accepts the machine and its initial terms version (set in Invoicing).</summary>
    TransactionRequest Accept(string idempotencyKey, string from, byte[] machineId, uint termsVersion);

    TransactionRequest Start(string idempotencyKey, string from, byte[] machineId);

    TransactionRequest Stop(string idempotencyKey, string from, byte[] machineId);

    TransactionRequest ResetMachineState(string idempotencyKey, string from, byte[] machineId);

    TransactionRequest ChangeDevice(string idempotencyKey, string from, byte[] machineId, string device);

    TransactionRequest RequestTermination(string idempotencyKey, string from, byte[] machineId);

    // ---- tickets (first come, first served)
    TransactionRequest OpenTicket(string idempotencyKey, string from, byte[] machineId, TicketKind kind, byte[] descriptionCid);

    TransactionRequest AcceptTicket(string idempotencyKey, string from, byte[] machineId, uint seq);

    TransactionRequest CompleteTicket(string idempotencyKey, string from, byte[] machineId, uint seq, byte[] reportCid);

    TransactionRequest CloseTicket(string idempotencyKey, string from, byte[] machineId, uint seq);

    TransactionRequest CancelTicket(string idempotencyKey, string from, byte[] machineId, uint seq);

    // ---- operator
    /// <summary>Wires Invoicing and Maintenance, once (consortium operator).</summary>
    TransactionRequest SetModules(string idempotencyKey, string from, string invoicing, string maintenance);

    // ---- views
    /// <summary>Every stored field of a machine; null if no machine has this id.</summary>
    Task<MachineOnChain?> MachineAsync(byte[] machineId, CancellationToken ct = default);

    /// <summary>The machine's current ticket (status <see cref="TicketStatus.None"/> before the first one); null if no machine has this id.</summary>
    Task<TicketOnChain?> TicketAsync(byte[] machineId, CancellationToken ct = default);

    /// <summary>What decides who may accept the current ticket; null if no machine has this id.</summary>
    Task<TicketScopeOnChain?> TicketScopeAsync(byte[] machineId, CancellationToken ct = default);

    /// <summary>The contracts the registry is wired to (zero addresses until <c>setModules</c>).</summary>
    Task<RegistryWiring> WiringAsync(CancellationToken ct = default);
}

/// <summary>Arguments of <c>register</c>. Ids and CIDs are bytes32 (see <see cref="Bytes32"/>).</summary>
public sealed record MachineRegistration(
    byte[] MachineId,
    string Customer,
    byte[] Model,
    ushort Region,
    byte[] SpecCid,
    string Device,
    uint TelemetryInterval,
    byte[] TermsHash);

public sealed record MachineOnChain(
    string Oem,
    string Customer,
    byte[] Model,
    ushort Region,
    string Device,
    uint TelemetryInterval,
    MachineState State,
    TerminationRequests TerminationRequests);

/// <summary>The current ticket: id (machine id, <see cref="Seq"/>); <see cref="Maintainer"/> is null until one is chosen.</summary>
public sealed record TicketOnChain(uint Seq, TicketStatus Status, TicketKind Kind, SelectionMode Mode, string? Maintainer);

public sealed record TicketScopeOnChain(uint Seq, TicketStatus Status, SelectionMode Mode, string Oem, byte[] Model, ushort Region);

public sealed record RegistryWiring(string Consortium, string Invoicing, string Maintenance);
