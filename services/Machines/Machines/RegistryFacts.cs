using MaaS.Chain.Contracts;
using MaaS.Chain.Following;
using MaaS.OffChain;
using MaaS.ServiceDefaults.ChainFacts;
using Registry = MaaS.Chain.Contracts.Generated.MachineRegistry;
using InvoicingEvents = MaaS.Chain.Contracts.Generated.Invoicing;

namespace MaaS.Machines.Machines;

/// <summary>MachineRegistry's life-cycle events as facts on the machine's stream (tickets belong to the Maintenance service).</summary>
public sealed class RegistryFacts(IMachineRegistry registry, TimeProvider clock) : ChainFactHandler(clock)
{
    protected override string ContractAddress => registry.Address;

    protected override IChainFact? Decode(ChainLog log, bool final, DateTimeOffset observedAt)
    {
        var at = ChainRef.From(log);
        if (ContractEvents.TryDecode<Registry.MachineRegisteredEventDTO>(log.Topics, log.Data, out var registered))
            return new MachineRegisteredOnChain(Bytes32.ToGuid(registered.MachineId), registered.Oem.ToLowerInvariant(), registered.Customer.ToLowerInvariant(),
                Bytes32.ToAscii(registered.Model), registered.Region, registered.Device.ToLowerInvariant(), registered.TelemetryInterval,
                Cid.FromDigest(registered.SpecCid).V0, Bytes32.ToHex(registered.TermsHash), at, final, observedAt);
        if (ContractEvents.TryDecode<Registry.MachineAcceptedEventDTO>(log.Topics, log.Data, out var accepted))
            return new MachineAcceptedOnChain(Bytes32.ToGuid(accepted.MachineId), accepted.TermsVersion, at, final, observedAt);
        if (ContractEvents.TryDecode<Registry.MachineStartedEventDTO>(log.Topics, log.Data, out var started))
            return new MachineStartedOnChain(Bytes32.ToGuid(started.MachineId), at, final, observedAt);
        if (ContractEvents.TryDecode<Registry.MachineStoppedEventDTO>(log.Topics, log.Data, out var stopped))
            return new MachineStoppedOnChain(Bytes32.ToGuid(stopped.MachineId), at, final, observedAt);
        if (ContractEvents.TryDecode<Registry.MachineResetEventDTO>(log.Topics, log.Data, out var reset))
            return new MachineResetOnChain(Bytes32.ToGuid(reset.MachineId), at, final, observedAt);
        if (ContractEvents.TryDecode<Registry.TerminationRequestedEventDTO>(log.Topics, log.Data, out var requested))
            return new MachineTerminationRequestedOnChain(Bytes32.ToGuid(requested.MachineId), requested.By.ToLowerInvariant(), at, final, observedAt);
        if (ContractEvents.TryDecode<Registry.MachineTerminatedEventDTO>(log.Topics, log.Data, out var terminated))
            return new MachineTerminatedOnChain(Bytes32.ToGuid(terminated.MachineId), terminated.By.ToLowerInvariant(), at, final, observedAt);
        if (ContractEvents.TryDecode<Registry.DeviceChangedEventDTO>(log.Topics, log.Data, out var device))
            return new MachineDeviceChangedOnChain(Bytes32.ToGuid(device.MachineId), device.Device.ToLowerInvariant(), at, final, observedAt);
        return null;
    }
}

/// <summary>The Invoicing contract's terms proposals, which decide when a customer may accept a machine.</summary>
public sealed class TermsFacts(IInvoicingContract invoicing, TimeProvider clock) : ChainFactHandler(clock)
{
    protected override string ContractAddress => invoicing.Address;

    protected override IChainFact? Decode(ChainLog log, bool final, DateTimeOffset observedAt) =>
        ContractEvents.TryDecode<InvoicingEvents.TermsProposedEventDTO>(log.Topics, log.Data, out var proposed)
            ? new MachineTermsProposedOnChain(Bytes32.ToGuid(proposed.MachineId), proposed.Version, Bytes32.ToHex(proposed.TermsHash), proposed.BillingPeriod,
                ChainRef.From(log), final, observedAt)
            : null;
}
