using MaaS.Chain.Contracts;
using MaaS.Chain.Following;
using MaaS.OffChain;
using MaaS.ServiceDefaults.ChainFacts;
using MaaS.ServiceDefaults.Identity;
using Registry = MaaS.Chain.Contracts.Generated.MachineRegistry;

namespace MaaS.Maintenance.Machines;

public sealed record MachineRegisteredOnChain(
    Guid StreamId, string Oem, string Customer, string Model, ushort Region, string SpecCid, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

/// <summary>Accepted, started, stopped, reset or terminated: <paramref name="Event"/> names it, <paramref name="State"/> is the state it leads to.</summary>
public sealed record MachineStateChangedOnChain(Guid StreamId, string Event, MachineState State, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

/// <summary>
/// What the Maintenance service needs of a machine (inline projection of its stream, from this service's own follower
/// of MachineRegistry): its parties, model and region (who may open, take and see its tickets) and its life cycle
/// (whether it runs again after a repair).
/// </summary>
public sealed record ServicedMachine
{
    public Guid Id { get; init; }

    public string Oem { get; init; } = "";

    public Guid OemId { get; init; }

    public string Customer { get; init; } = "";

    public Guid CustomerId { get; init; }

    public string Model { get; init; } = "";

    public ushort Region { get; init; }

    public MachineState State { get; init; }

    public MachineState FinalState { get; init; }

    public IReadOnlyList<FactEntry> History { get; init; } = [];

    public DateTimeOffset UpdatedAt { get; init; }

    public bool IsCustomer(MemberIdentity member) => string.Equals(member.Account, Customer, StringComparison.OrdinalIgnoreCase);

    public bool IsOem(MemberIdentity member) => string.Equals(member.Account, Oem, StringComparison.OrdinalIgnoreCase);

    public ServicedMachine Apply(MachineRegisteredOnChain e) => Recompute(this with
    {
        Id = e.StreamId, Oem = e.Oem, OemId = MemberIds.For(e.Oem), Customer = e.Customer, CustomerId = MemberIds.For(e.Customer), Model = e.Model, Region = e.Region,
        History = History.Record(e, "MachineRegistered", detail: nameof(MachineState.Registered)),
    }, e.ObservedAt);

    public ServicedMachine Apply(MachineStateChangedOnChain e) =>
        Recompute(this with { Id = e.StreamId, History = History.Record(e, e.Event, detail: e.State.ToString()) }, e.ObservedAt);

    public ServicedMachine Apply(ChainFactRetracted e) => Recompute(this with { History = History.Retract(e) }, e.At);

    /// <summary>
    /// When the machine ran again after <paramref name="completion"/> (a final fact): at the completion itself if it was
    /// running then (a repair that needed no stop), else when the first final MachineStarted after it was seen; null if not yet.
    /// </summary>
    public (DateTimeOffset At, string? TransactionHash)? RunningAgainAfter(FactEntry completion)
    {
        var settled = History.Settled().ToList();
        var before = settled.Where(f => !f.IsAfter(completion)).LastOrDefault();
        if (before?.Event == "MachineStarted") return (completion.ObservedAt, null);
        var started = settled.FirstOrDefault(f => f.Event == "MachineStarted" && f.IsAfter(completion));
        return started is null ? null : (started.ObservedAt, started.TransactionHash);
    }

    private static ServicedMachine Recompute(ServicedMachine m, DateTimeOffset at) => m with
    {
        State = Fold(m.History.Live()),
        FinalState = Fold(m.History.Settled()),
        UpdatedAt = at,
    };

    private static MachineState Fold(IEnumerable<FactEntry> facts) =>
        facts.Aggregate(MachineState.None, (state, fact) => Enum.TryParse<MachineState>(fact.Detail, out var next) ? next : state);
}

/// <summary>MachineRegistry's machine life-cycle events as facts on the machine's stream (its tickets are <c>TicketFacts</c>).</summary>
public sealed class MachineFacts(IMachineRegistry registry, TimeProvider clock) : ChainFactHandler(clock)
{
    protected override string ContractAddress => registry.Address;

    protected override IChainFact? Decode(ChainLog log, bool final, DateTimeOffset observedAt)
    {
        var at = ChainRef.From(log);
        if (ContractEvents.TryDecode<Registry.MachineRegisteredEventDTO>(log.Topics, log.Data, out var registered))
            return new MachineRegisteredOnChain(Bytes32.ToGuid(registered.MachineId), registered.Oem.ToLowerInvariant(), registered.Customer.ToLowerInvariant(),
                Bytes32.ToAscii(registered.Model), registered.Region, Cid.FromDigest(registered.SpecCid).V0, at, final, observedAt);
        if (ContractEvents.TryDecode<Registry.MachineAcceptedEventDTO>(log.Topics, log.Data, out var accepted))
            return new MachineStateChangedOnChain(Bytes32.ToGuid(accepted.MachineId), "MachineAccepted", MachineState.Accepted, at, final, observedAt);
        if (ContractEvents.TryDecode<Registry.MachineStartedEventDTO>(log.Topics, log.Data, out var started))
            return new MachineStateChangedOnChain(Bytes32.ToGuid(started.MachineId), "MachineStarted", MachineState.Executed, at, final, observedAt);
        if (ContractEvents.TryDecode<Registry.MachineStoppedEventDTO>(log.Topics, log.Data, out var stopped))
            return new MachineStateChangedOnChain(Bytes32.ToGuid(stopped.MachineId), "MachineStopped", MachineState.Stopped, at, final, observedAt);
        if (ContractEvents.TryDecode<Registry.MachineResetEventDTO>(log.Topics, log.Data, out var reset))
            return new MachineStateChangedOnChain(Bytes32.ToGuid(reset.MachineId), "MachineReset", MachineState.Accepted, at, final, observedAt);
        if (ContractEvents.TryDecode<Registry.MachineTerminatedEventDTO>(log.Topics, log.Data, out var terminated))
            return new MachineStateChangedOnChain(Bytes32.ToGuid(terminated.MachineId), "MachineTerminated", MachineState.Terminated, at, final, observedAt);
        return null;
    }
}
