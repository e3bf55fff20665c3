using MaaS.Chain.Contracts.Generated.MachineRegistry;
using MaaS.Chain.Deployment;
using MaaS.Chain.Transactions;
using Nethereum.Web3;

namespace MaaS.Chain.Contracts;

public sealed class MachineRegistryContract(string address, IWeb3 web3) : ContractBinding(address, web3), IMachineRegistry
{
    /// <summary>The MachineRegistry contract of <paramref name="deployment"/>.</summary>
    public MachineRegistryContract(ChainDeployment deployment, IWeb3 web3)
        : this((deployment ?? throw new ArgumentNullException(nameof(deployment)))["MachineRegistry"].Address, web3)
    {
    }

    public TransactionRequest Register(string idempotencyKey, string from, MachineRegistration machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        return Request(idempotencyKey, from, new RegisterFunction
        {
            MachineId = Id(machine.MachineId, nameof(machine.MachineId)),
            Customer = RequireAddress(machine.Customer, nameof(machine.Customer)),
            Model = Id(machine.Model, nameof(machine.Model)),
            Region = machine.Region,
            SpecCid = Id(machine.SpecCid, nameof(machine.SpecCid)),
            Device = RequireAddress(machine.Device, nameof(machine.Device)),
            TelemetryInterval = machine.TelemetryInterval,
            TermsHash = Id(machine.TermsHash, nameof(machine.TermsHash)),
        });
    }

    public TransactionRequest Accept(string idempotencyKey, string from, byte[] machineId, uint termsVersion) =>
        Request(idempotencyKey, from, new AcceptFunction { MachineId = Id(machineId, nameof(machineId)), TermsVersion = termsVersion });

    public TransactionRequest Start(string idempotencyKey, string from, byte[] machineId) =>
        Request(idempotencyKey, from, new StartFunction { MachineId = Id(machineId, nameof(machineId)) });

    public TransactionRequest Stop(string idempotencyKey, string from, byte[] machineId) =>
        Request(idempotencyKey, from, new StopFunction { MachineId = Id(machineId, nameof(machineId)) });

    public TransactionRequest ResetMachineState(string idempotencyKey, string from, byte[] machineId) =>
        Request(idempotencyKey, from, new ResetMachineStateFunction { MachineId = Id(machineId, nameof(machineId)) });

    public TransactionRequest ChangeDevice(string idempotencyKey, string from, byte[] machineId, string device) =>
        Request(idempotencyKey, from, new ChangeDeviceFunction { MachineId = Id(machineId, nameof(machineId)), Device = RequireAddress(device, nameof(device)) });

    public TransactionRequest RequestTermination(string idempotencyKey, string from, byte[] machineId) =>
        Request(idempotencyKey, from, new RequestTerminationFunction { MachineId = Id(machineId, nameof(machineId)) });

    public TransactionRequest OpenTicket(string idempotencyKey, string from, byte[] machineId, TicketKind kind, byte[] descriptionCid) =>
        Request(idempotencyKey, from, new OpenTicketFunction
        {
            MachineId = Id(machineId, nameof(machineId)),
            Kind = (byte)kind,
            DescriptionCid = Id(descriptionCid, nameof(descriptionCid)),
        });

    public TransactionRequest AcceptTicket(string idempotencyKey, string from, byte[] machineId, uint seq) =>
        Request(idempotencyKey, from, new AcceptTicketFunction { MachineId = Id(machineId, nameof(machineId)), Seq = seq });

    public TransactionRequest CompleteTicket(string idempotencyKey, string from, byte[] machineId, uint seq, byte[] reportCid) =>
        Request(idempotencyKey, from, new CompleteTicketFunction { MachineId = Id(machineId, nameof(machineId)), Seq = seq, ReportCid = Id(reportCid, nameof(reportCid)) });

    public TransactionRequest CloseTicket(string idempotencyKey, string from, byte[] machineId, uint seq) =>
        Request(idempotencyKey, from, new CloseTicketFunction { MachineId = Id(machineId, nameof(machineId)), Seq = seq });

    public TransactionRequest CancelTicket(string idempotencyKey, string from, byte[] machineId, uint seq) =>
        Request(idempotencyKey, from, new CancelTicketFunction { MachineId = Id(machineId, nameof(machineId)), Seq = seq });

    public TransactionRequest SetModules(string idempotencyKey, string from, string invoicing, string maintenance) =>
        Request(idempotencyKey, from, new SetModulesFunction { Invoicing = RequireAddress(invoicing, nameof(invoicing)), Maintenance = RequireAddress(maintenance, nameof(maintenance)) });

    public async Task<MachineOnChain?> MachineAsync(byte[] machineId, CancellationToken ct = default)
    {
        var m = await CallAsync<MachineFunction, MachineOutputDTO>(new MachineFunction { MachineId = Id(machineId, nameof(machineId)) }, ct);
        return m.State == (byte)MachineState.None
            ? null
            : new MachineOnChain(Normalize(m.Oem), Normalize(m.Customer), m.Model, m.Region, Normalize(m.Device), m.TelemetryInterval,
                (MachineState)m.State, (TerminationRequests)m.TerminationRequests);
    }

    public async Task<TicketOnChain?> TicketAsync(byte[] machineId, CancellationToken ct = default)
    {
        var t = await CallAsync<TicketFunction, TicketOutputDTO>(new TicketFunction { MachineId = Id(machineId, nameof(machineId)) }, ct);
        return t.Status == (byte)TicketStatus.Unset
            ? null
            : new TicketOnChain(t.Seq, (TicketStatus)t.Status, (TicketKind)t.Kind, (SelectionMode)t.Mode, IsZeroAddress(t.Maintainer) ? null : Normalize(t.Maintainer));
    }

    public async Task<TicketScopeOnChain?> TicketScopeAsync(byte[] machineId, CancellationToken ct = default)
    {
        var s = await CallAsync<TicketScopeFunction, TicketScopeOutputDTO>(new TicketScopeFunction { MachineId = Id(machineId, nameof(machineId)) }, ct);
        return s.Status == (byte)TicketStatus.Unset
            ? null
            : new TicketScopeOnChain(s.Seq, (TicketStatus)s.Status, (SelectionMode)s.Mode, Normalize(s.Oem), s.Model, s.Region);
    }

    public async Task<RegistryWiring> WiringAsync(CancellationToken ct = default) => new(
        Normalize(await QueryAsync<ConsortiumFunction, string>(new ConsortiumFunction(), ct)),
        Normalize(await QueryAsync<InvoicingFunction, string>(new InvoicingFunction(), ct)),
        Normalize(await QueryAsync<MaintenanceFunction, string>(new MaintenanceFunction(), ct)));
}
