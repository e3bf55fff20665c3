using MaaS.ServiceDefaults.ChainFacts;
using MaaS.ServiceDefaults.Identity;

namespace MaaS.Machines.Machines;

/// <summary>Machine states with the MachineRegistry contract's values.</summary>
public enum MachineState
{
    None = 0,
    Registered = 1,
    Accepted = 2,
    Executed = 3,
    Stopped = 4,
    Terminated = 5,
}

// ---- Intent (off-chain): what a member asked this deployment to do.
public sealed record MachineRegistrationRequested(
    Guid MachineId, Guid OperationId, Guid OemId, string Oem, string Customer, string Model, ushort Region, string Device,
    uint TelemetryIntervalSeconds, string SpecCid, string TermsCid, uint BillingPeriodSeconds, DateTimeOffset At);

public sealed record MachineCommandRequested(Guid MachineId, Guid OperationId, string Command, Guid MemberId, DateTimeOffset At);

// ---- Chain facts, from MachineRegistry and Invoicing logs (see ChainFacts for observed / final / retracted).
public sealed record MachineRegisteredOnChain(
    Guid StreamId, string Oem, string Customer, string Model, ushort Region, string Device, uint TelemetryIntervalSeconds, string SpecCid, string TermsHash,
    ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

public sealed record MachineAcceptedOnChain(Guid StreamId, uint TermsVersion, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

public sealed record MachineStartedOnChain(Guid StreamId, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

public sealed record MachineStoppedOnChain(Guid StreamId, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

public sealed record MachineResetOnChain(Guid StreamId, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

public sealed record MachineTerminationRequestedOnChain(Guid StreamId, string By, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

public sealed record MachineTerminatedOnChain(Guid StreamId, string By, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

public sealed record MachineDeviceChangedOnChain(Guid StreamId, string Device, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

public sealed record MachineTermsProposedOnChain(Guid StreamId, uint Version, string TermsHash, uint BillingPeriodSeconds, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

/// <summary>
/// A machine as its stream says (inline projection, and the state a decision is made on). <see cref="State"/> is what
/// the chain shows now, <see cref="FinalState"/> what is final; they differ for the few blocks before finality.
/// </summary>
public sealed record MachineDetails(
    Guid Id, string Oem, Guid OemId, string Customer, Guid CustomerId, string Model, ushort Region, string Device, uint TelemetryIntervalSeconds,
    string SpecCid, string? TermsCid, string? TermsHash, uint? LatestTermsVersion, uint? AcceptedTermsVersion,
    MachineState State, MachineState FinalState, IReadOnlyList<string> TerminationRequestedBy,
    IReadOnlyList<HistoryEntry> History, IReadOnlyList<Guid> Operations, DateTimeOffset UpdatedAt)
{
    /// <summary>The registration as asked; the chain fills in the rest when it is mined.</summary>
    public static MachineDetails Create(MachineRegistrationRequested e) => new(
        e.MachineId, e.Oem, e.OemId, e.Customer, MemberIds.For(e.Customer), e.Model, e.Region, e.Device, e.TelemetryIntervalSeconds,
        e.SpecCid, e.TermsCid, null, null, null, MachineState.None, MachineState.None, [], [], [e.OperationId], e.At);

    public static MachineDetails Create(MachineRegisteredOnChain e) => new MachineDetails(
        e.StreamId, e.Oem, MemberIds.For(e.Oem), e.Customer, MemberIds.For(e.Customer), e.Model, e.Region, e.Device, e.TelemetryIntervalSeconds,
        e.SpecCid, null, e.TermsHash, null, null, MachineState.None, MachineState.None, [], [], [], e.ObservedAt).Apply(e);

    public MachineDetails Apply(MachineRegistrationRequested e) => this with { TermsCid = e.TermsCid, Operations = [.. Operations, e.OperationId], UpdatedAt = e.At };

    public MachineDetails Apply(MachineCommandRequested e) => this with { Operations = [.. Operations, e.OperationId], UpdatedAt = e.At };

    public MachineDetails Apply(MachineRegisteredOnChain e) => Recompute(this with
    {
        Oem = e.Oem, OemId = MemberIds.For(e.Oem), Customer = e.Customer, CustomerId = MemberIds.For(e.Customer), Model = e.Model, Region = e.Region,
        TelemetryIntervalSeconds = e.TelemetryIntervalSeconds, SpecCid = e.SpecCid, TermsHash = e.TermsHash,
        History = History.Record(e, "MachineRegistered", detail: e.Device),
    }, e.ObservedAt);

    public MachineDetails Apply(MachineAcceptedOnChain e) => Recompute(this with { History = History.Record(e, "MachineAccepted", e.TermsVersion) }, e.ObservedAt);

    public MachineDetails Apply(MachineStartedOnChain e) => Recompute(this with { History = History.Record(e, "MachineStarted") }, e.ObservedAt);

    public MachineDetails Apply(MachineStoppedOnChain e) => Recompute(this with { History = History.Record(e, "MachineStopped") }, e.ObservedAt);

    public MachineDetails Apply(MachineResetOnChain e) => Recompute(this with { History = History.Record(e, "MachineReset") }, e.ObservedAt);

    public MachineDetails Apply(MachineTerminationRequestedOnChain e) =>
        Recompute(this with { History = History.Record(e, "TerminationRequested", detail: e.By) }, e.ObservedAt);

    public MachineDetails Apply(MachineTerminatedOnChain e) => Recompute(this with { History = History.Record(e, "MachineTerminated", detail: e.By) }, e.ObservedAt);

    public MachineDetails Apply(MachineDeviceChangedOnChain e) => Recompute(this with { History = History.Record(e, "DeviceChanged", detail: e.Device) }, e.ObservedAt);

    public MachineDetails Apply(MachineTermsProposedOnChain e) =>
        Recompute(this with { History = History.Record(e, "TermsProposed", e.Version, e.TermsHash) }, e.ObservedAt);

    public MachineDetails Apply(ChainFactRetracted e) => Recompute(this with { History = History.Retract(e) }, e.At);

    public bool IsParty(MemberIdentity member) => IsOem(member) || IsCustomer(member);

    public bool IsOem(MemberIdentity member) => string.Equals(member.Account, Oem, StringComparison.OrdinalIgnoreCase);

    public bool IsCustomer(MemberIdentity member) => string.Equals(member.Account, Customer, StringComparison.OrdinalIgnoreCase);

    /// <summary>Everything the chain says is folded again from the facts that still hold, so a retraction undoes exactly its fact.</summary>
    private static MachineDetails Recompute(MachineDetails m, DateTimeOffset at)
    {
        var live = m.History.Live().ToList();
        return m with
        {
            State = Fold(live),
            FinalState = Fold(m.History.Settled()),
            Device = live.LastOrDefault(h => h.Event is "DeviceChanged" or "MachineRegistered")?.Detail ?? m.Device,
            LatestTermsVersion = (uint?)live.LastOrDefault(h => h.Event == "TermsProposed")?.Value,
            AcceptedTermsVersion = (uint?)live.LastOrDefault(h => h.Event == "MachineAccepted")?.Value,
            TerminationRequestedBy = [.. live.Where(h => h.Event == "TerminationRequested").Select(h => h.Detail!).Distinct()],
            UpdatedAt = at,
        };
    }

    private static MachineState Fold(IEnumerable<HistoryEntry> facts) => facts.Aggregate(MachineState.None, (state, fact) => fact.Event switch
    {
        "MachineRegistered" => MachineState.Registered,
        "MachineAccepted" => MachineState.Accepted,
        "MachineStarted" => MachineState.Executed,
        "MachineStopped" => MachineState.Stopped,
        "MachineReset" => MachineState.Accepted,
        "MachineTerminated" => MachineState.Terminated,
        _ => state,
    });
}
