using JasperFx.Events;
using MaaS.Machines.Machines;
using MaaS.Machines.Members;
using MaaS.ServiceDefaults.EventStore;
using MaaS.ServiceDefaults.Identity;
using Contract = MaaS.Contracts.Machines;

namespace MaaS.Machines;

/// <summary>What the Machines service tells the others, and when: a chain fact once it is final, never before; an API key's revocation at once.</summary>
public sealed class MachinesIntegrationEvents : IIntegrationEventMapper
{
    public object? Map(IEvent stored) => stored.Data switch
    {
        MachineRegisteredOnChain { Final: true } e => new Contract.MachineRegistered(e.StreamId, e.Oem, e.Customer, e.Model, e.Region, e.Device,
            e.TelemetryIntervalSeconds, e.SpecCid, e.TermsHash, e.Ref.TransactionHash, e.Ref.Block, e.ObservedAt),
        MachineAcceptedOnChain { Final: true } e => new Contract.MachineAccepted(e.StreamId, e.TermsVersion, e.Ref.TransactionHash, e.Ref.Block, e.ObservedAt),
        MachineStartedOnChain { Final: true } e => new Contract.MachineStarted(e.StreamId, e.Ref.TransactionHash, e.Ref.Block, e.ObservedAt),
        MachineStoppedOnChain { Final: true } e => new Contract.MachineStopped(e.StreamId, e.Ref.TransactionHash, e.Ref.Block, e.ObservedAt),
        MachineResetOnChain { Final: true } e => new Contract.MachineReset(e.StreamId, e.Ref.TransactionHash, e.Ref.Block, e.ObservedAt),
        MachineTerminatedOnChain { Final: true } e => new Contract.MachineTerminated(e.StreamId, e.By, e.Ref.TransactionHash, e.Ref.Block, e.ObservedAt),
        MachineDeviceChangedOnChain { Final: true } e => new Contract.MachineDeviceChanged(e.StreamId, e.Device, e.Ref.TransactionHash, e.Ref.Block, e.ObservedAt),
        MemberJoinedOnChain { Final: true } e => new Contract.MemberJoined(e.StreamId, e.Account, e.Roles, e.Ref.TransactionHash, e.Ref.Block, e.ObservedAt),
        MemberRevokedOnChain { Final: true } e => new Contract.MemberRevoked(e.StreamId, e.Account, e.Ref.TransactionHash, e.Ref.Block, e.ObservedAt),
        MaintainerAccreditedOnChain { Final: true } e => new Contract.MaintainerAccredited(e.Oem, e.Maintainer, MemberIds.For(e.Maintainer), e.Model, e.Region,
            e.Ref.TransactionHash, e.Ref.Block, e.ObservedAt),
        AccreditationWithdrawnOnChain { Final: true } e => new Contract.MaintainerAccreditationWithdrawn(e.Oem, e.Maintainer, MemberIds.For(e.Maintainer), e.Model,
            e.Region, e.Ref.TransactionHash, e.Ref.Block, e.ObservedAt),
        // An off-chain fact: gateways must stop the key at once, so it is told as soon as it is stored.
        ApiKeyRevoked e => new Contract.ApiKeyRevoked(e.MemberId, e.KeyHash, e.At),
        _ => null,
    };
}
