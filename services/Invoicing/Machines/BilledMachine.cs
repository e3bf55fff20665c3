using MaaS.Chain.Contracts;
using MaaS.Chain.Following;
using MaaS.ServiceDefaults.ChainFacts;
using MaaS.ServiceDefaults.Identity;
using InvoicingEvents = MaaS.Chain.Contracts.Generated.Invoicing;
using Registry = MaaS.Chain.Contracts.Generated.MachineRegistry;

namespace MaaS.Invoicing.Machines;

// ---- Chain facts on the machine's stream (this service's own follower of MachineRegistry and Invoicing).
public sealed record MachineRegisteredOnChain(Guid StreamId, string Oem, string Customer, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

public sealed record MachineTerminatedOnChain(Guid StreamId, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

public sealed record TermsProposedOnChain(Guid StreamId, uint Version, string TermsHash, uint BillingPeriodSeconds, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

public sealed record TermsAcceptedOnChain(Guid StreamId, uint Version, uint FromPeriod, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

/// <summary>A terms version: its hash (the CID digest of the document), billing period, and from which period it applies once accepted.</summary>
public sealed record TermsVersionView(uint Version, string TermsHash, string Cid, uint BillingPeriodSeconds, uint? FromPeriod);

/// <summary>
/// A machine as Invoicing needs it (inline projection of its stream): its parties, its terms versions and whether (and in
/// which block) it was terminated. Folded again from the facts that still hold after a retraction.
/// </summary>
public sealed record BilledMachine
{
    public Guid Id { get; init; }

    public string Oem { get; init; } = "";

    public string Customer { get; init; } = "";

    public IReadOnlyList<TermsVersionView> Versions { get; init; } = [];

    /// <summary>The block of the termination, when the machine is terminated (its time ends the last billing period).</summary>
    public long? TerminatedInBlock { get; init; }

    public IReadOnlyList<HistoryEntry> History { get; init; } = [];

    public DateTimeOffset UpdatedAt { get; init; }

    public bool Accepted => Versions.Any(v => v.FromPeriod is not null);

    public bool IsOem(MemberIdentity member) => string.Equals(member.Account, Oem, StringComparison.OrdinalIgnoreCase);

    public bool IsCustomer(MemberIdentity member) => string.Equals(member.Account, Customer, StringComparison.OrdinalIgnoreCase);

    public bool IsParty(MemberIdentity member) => IsOem(member) || IsCustomer(member);

    public BilledMachine Apply(MachineRegisteredOnChain e) =>
        Recompute(this with { Id = e.StreamId, Oem = e.Oem, Customer = e.Customer, History = History.Record(e, "MachineRegistered") }, e.ObservedAt);

    public BilledMachine Apply(MachineTerminatedOnChain e) => Recompute(this with { Id = e.StreamId, History = History.Record(e, "MachineTerminated") }, e.ObservedAt);

    public BilledMachine Apply(TermsProposedOnChain e) =>
        Recompute(this with { Id = e.StreamId, History = History.Record(e, "TermsProposed", e.Version, $"{e.TermsHash}:{e.BillingPeriodSeconds}") }, e.ObservedAt);

    public BilledMachine Apply(TermsAcceptedOnChain e) =>
        Recompute(this with { Id = e.StreamId, History = History.Record(e, "TermsAccepted", e.Version, e.FromPeriod.ToString(System.Globalization.CultureInfo.InvariantCulture)) }, e.ObservedAt);

    public BilledMachine Apply(ChainFactRetracted e) => Recompute(this with { History = History.Retract(e) }, e.At);

    private static BilledMachine Recompute(BilledMachine m, DateTimeOffset at)
    {
        var live = m.History.Live().ToList();
        var accepted = live.Where(h => h.Event == "TermsAccepted").GroupBy(h => (uint)h.Value!.Value)
            .ToDictionary(g => g.Key, g => uint.Parse(g.Last().Detail!, System.Globalization.CultureInfo.InvariantCulture));
        var versions = live.Where(h => h.Event == "TermsProposed").Select(h =>
        {
            var parts = h.Detail!.Split(':');
            var version = (uint)h.Value!.Value;
            return new TermsVersionView(version, parts[0], MaaS.OffChain.Cid.FromDigestHex(parts[0]).V0,
                uint.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), accepted.TryGetValue(version, out var from) ? from : null);
        }).OrderBy(v => v.Version).ToList();
        return m with { Versions = versions, TerminatedInBlock = live.LastOrDefault(h => h.Event == "MachineTerminated")?.Block, UpdatedAt = at };
    }
}

/// <summary>MachineRegistry's registration and termination of machines.</summary>
public sealed class MachineFacts(IMachineRegistry registry, TimeProvider clock) : ChainFactHandler(clock)
{
    protected override string ContractAddress => registry.Address;

    protected override IChainFact? Decode(ChainLog log, bool final, DateTimeOffset observedAt)
    {
        if (ContractEvents.TryDecode<Registry.MachineRegisteredEventDTO>(log.Topics, log.Data, out var registered))
            return new MachineRegisteredOnChain(Bytes32.ToGuid(registered.MachineId), registered.Oem.ToLowerInvariant(), registered.Customer.ToLowerInvariant(),
                ChainRef.From(log), final, observedAt);
        if (ContractEvents.TryDecode<Registry.MachineTerminatedEventDTO>(log.Topics, log.Data, out var terminated))
            return new MachineTerminatedOnChain(Bytes32.ToGuid(terminated.MachineId), ChainRef.From(log), final, observedAt);
        return null;
    }
}

/// <summary>The Invoicing contract's terms events on the machine's stream; its invoice events go to the invoice's stream (<c>InvoiceFacts</c>).</summary>
public sealed class TermsFacts(IInvoicingContract invoicing, TimeProvider clock) : ChainFactHandler(clock)
{
    protected override string ContractAddress => invoicing.Address;

    protected override IChainFact? Decode(ChainLog log, bool final, DateTimeOffset observedAt)
    {
        if (ContractEvents.TryDecode<InvoicingEvents.TermsProposedEventDTO>(log.Topics, log.Data, out var proposed))
            return new TermsProposedOnChain(Bytes32.ToGuid(proposed.MachineId), proposed.Version, Convert.ToHexStringLower(proposed.TermsHash), proposed.BillingPeriod,
                ChainRef.From(log), final, observedAt);
        if (ContractEvents.TryDecode<InvoicingEvents.TermsAcceptedEventDTO>(log.Topics, log.Data, out var accepted))
            return new TermsAcceptedOnChain(Bytes32.ToGuid(accepted.MachineId), accepted.Version, accepted.FromPeriod, ChainRef.From(log), final, observedAt);
        return null;
    }
}
