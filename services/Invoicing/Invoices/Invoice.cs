using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MaaS.Chain.Contracts;
using MaaS.Chain.Following;
using MaaS.OffChain;
using MaaS.OffChain.Invoicing;
using MaaS.ServiceDefaults.ChainFacts;
using MaaS.ServiceDefaults.Errors;
using InvoicingEvents = MaaS.Chain.Contracts.Generated.Invoicing;

namespace MaaS.Invoicing.Invoices;

/// <summary>An invoice is one machine's one billing period; its revisions (corrections after a dispute) share its stream.</summary>
public static class InvoiceIds
{
    /// <summary>The public id: <c>&lt;machine uuid&gt;.&lt;period&gt;</c>.</summary>
    public static string For(Guid machine, uint period) => $"{machine:D}.{period.ToString(CultureInfo.InvariantCulture)}";

    public static (Guid Machine, uint Period) Parse(string id)
    {
        var dot = id.LastIndexOf('.');
        if (dot > 0 && Guid.TryParse(id[..dot], out var machine) && uint.TryParse(id[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var period))
            return (machine, period);
        throw DomainException.NotFound("Invoice", id);
    }

    /// <summary>The stream id, derived (not random) so the follower and the run name the same stream without a lookup.</summary>
    public static Guid StreamOf(Guid machine, uint period)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"invoice/{For(machine, period)}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16));
    }
}

// ---- Intent: what this deployment computed and asked the chain to record.
/// <summary>The OEM's node computed revision <paramref name="Revision"/> and stored its document; <paramref name="OperationId"/> issues it.</summary>
public sealed record InvoiceComputed(Guid StreamId, Guid MachineId, uint Period, ushort Revision, string DocumentCid, long Total, string InputsRoot, Guid OperationId, DateTimeOffset At);

/// <summary>A party's node checked revision <paramref name="Revision"/>; <paramref name="RecomputedCid"/> is its own document.</summary>
public sealed record InvoiceVerified(Guid StreamId, ushort Revision, string By, bool Ok, IReadOnlyList<VerificationCheck> Checks, string? RecomputedCid, Guid? OperationId, DateTimeOffset At);

// ---- Chain facts from the Invoicing contract's logs.
public sealed record InvoiceIssuedOnChain(
    Guid StreamId, Guid MachineId, uint Period, ushort Revision, uint TermsVersion, long Total, string InvoiceHash, string InputsRoot,
    ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

public sealed record InvoiceAcceptedOnChain(Guid StreamId, Guid MachineId, uint Period, ushort Revision, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

public sealed record InvoiceDisputedOnChain(Guid StreamId, Guid MachineId, uint Period, ushort Revision, string EvidenceCid, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

public sealed record InvoiceSettledOnChain(Guid StreamId, Guid MachineId, uint Period, ushort Revision, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

public enum InvoiceState
{
    Computed,
    Issued,
    Accepted,
    Disputed,
    Settled,
}

/// <summary>What the chain says of the latest revision, and what this deployment computed and verified.</summary>
public sealed record InvoiceView
{
    public Guid Id { get; init; }

    public string InvoiceId { get; init; } = "";

    public Guid MachineId { get; init; }

    public uint Period { get; init; }

    public ushort Revision { get; init; }

    public InvoiceState State { get; init; }

    /// <summary>True once the state's chain fact is final.</summary>
    public bool Final { get; init; }

    public uint? TermsVersion { get; init; }

    public long? Total { get; init; }

    public string? InvoiceHash { get; init; }

    public string? DocumentCid { get; init; }

    public string? InputsRoot { get; init; }

    public string? EvidenceCid { get; init; }

    public IReadOnlyList<Guid> Operations { get; init; } = [];

    /// <summary>The highest revision this deployment computed (and sent); above <see cref="OnChain"/>'s while its issue is not yet on chain.</summary>
    public ushort? ComputedRevision { get; init; }

    /// <summary>The document of <see cref="ComputedRevision"/>.</summary>
    public string? ComputedCid { get; init; }

    public InvoiceVerified? LastVerification { get; init; }

    /// <summary>The OEM's node's answer to the latest dispute it answered (re-issued, or the dispute stands).</summary>
    public Answering.InvoiceDisputeAnswered? LastDisputeAnswer { get; init; }

    public IReadOnlyList<HistoryEntry> History { get; init; } = [];

    /// <summary>Every issued revision's values by revision (a dispute's correction adds one), to fold again after a retraction.</summary>
    public IReadOnlyList<InvoiceIssuedOnChain> Issued { get; init; } = [];

    public DateTimeOffset UpdatedAt { get; init; }

    public InvoiceView Apply(InvoiceComputed e) => this with
    {
        Id = e.StreamId, InvoiceId = InvoiceIds.For(e.MachineId, e.Period), MachineId = e.MachineId, Period = e.Period,
        Revision = State == InvoiceState.Computed || e.Revision > Revision ? e.Revision : Revision, DocumentCid = DocumentCid ?? e.DocumentCid,
        Total = Total ?? e.Total, InputsRoot = InputsRoot ?? e.InputsRoot, Operations = [.. Operations, e.OperationId], UpdatedAt = e.At,
        ComputedRevision = ComputedRevision is { } computed && computed > e.Revision ? computed : e.Revision,
        ComputedCid = ComputedRevision is { } earlier && earlier > e.Revision ? ComputedCid : e.DocumentCid,
    };

    public InvoiceView Apply(Answering.InvoiceDisputeAnswered e) => this with { LastDisputeAnswer = e, UpdatedAt = e.At };

    public InvoiceView Apply(InvoiceVerified e) => this with
    {
        LastVerification = e, Operations = e.OperationId is { } op && !Operations.Contains(op) ? [.. Operations, op] : Operations, UpdatedAt = e.At,
    };

    public InvoiceView Apply(InvoiceIssuedOnChain e) => Recompute(this with
    {
        Id = e.StreamId, InvoiceId = InvoiceIds.For(e.MachineId, e.Period), MachineId = e.MachineId, Period = e.Period,
        Issued = Issued.Any(i => i.Ref.Key == e.Ref.Key) ? Issued : [.. Issued, e],
        History = History.Record(e, "InvoiceIssued", e.Revision),
    }, e.ObservedAt);

    public InvoiceView Apply(InvoiceAcceptedOnChain e) => Recompute(this with { History = History.Record(e, "InvoiceAccepted", e.Revision) }, e.ObservedAt);

    public InvoiceView Apply(InvoiceDisputedOnChain e) => Recompute(this with { History = History.Record(e, "InvoiceDisputed", e.Revision, e.EvidenceCid) }, e.ObservedAt);

    public InvoiceView Apply(InvoiceSettledOnChain e) => Recompute(this with { History = History.Record(e, "InvoiceSettled", e.Revision) }, e.ObservedAt);

    public InvoiceView Apply(ChainFactRetracted e) => Recompute(this with { History = History.Retract(e) }, e.At);

    private static InvoiceView Recompute(InvoiceView v, DateTimeOffset at)
    {
        var last = v.History.Live().LastOrDefault();
        if (last is null) return v with { State = InvoiceState.Computed, Final = false, UpdatedAt = at };
        var issued = v.Issued.Where(i => v.History.Live().Any(h => h.Key == i.Ref.Key)).OrderBy(i => i.Revision).LastOrDefault();
        return v with
        {
            State = last.Event switch
            {
                "InvoiceIssued" => InvoiceState.Issued,
                "InvoiceAccepted" => InvoiceState.Accepted,
                "InvoiceDisputed" => InvoiceState.Disputed,
                _ => InvoiceState.Settled,
            },
            Final = last.Status == FactStatus.Final,
            Revision = issued?.Revision ?? v.Revision,
            TermsVersion = issued?.TermsVersion ?? v.TermsVersion,
            Total = issued?.Total ?? v.Total,
            InvoiceHash = issued?.InvoiceHash ?? v.InvoiceHash,
            DocumentCid = issued is null ? v.DocumentCid : Cid.FromDigestHex(issued.InvoiceHash).V0,
            InputsRoot = issued?.InputsRoot ?? v.InputsRoot,
            EvidenceCid = last.Event == "InvoiceDisputed" ? last.Detail : v.EvidenceCid,
            UpdatedAt = at,
        };
    }

    /// <summary>A revision this deployment computed is not on chain yet (sent, not yet mined or not yet followed).</summary>
    public bool AwaitsIssue() => ComputedRevision is { } computed && (OnChain() is not { } issued || issued.Revision < computed);

    public IssuedInvoice? OnChain() => Issued.Where(i => History.Live().Any(h => h.Key == i.Ref.Key)).OrderBy(i => i.Revision).LastOrDefault() is { } i
        ? new IssuedInvoice(i.MachineId, i.Period, i.Revision, i.TermsVersion, i.Total, i.InvoiceHash, i.InputsRoot)
        : null;
}

/// <summary>Appends to an invoice's stream with its version expected, again after a conflict: the follower may append to the same stream at the same moment.</summary>
public static class InvoiceStream
{
    public static async Task AppendAsync(Marten.IDocumentStore store, Guid streamId, object @event, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.LightweightSession();
            var invoice = await session.Events.FetchForWriting<InvoiceView>(streamId, ct);
            invoice.AppendOne(@event);
            try
            {
                await session.SaveChangesAsync(ct);
                return;
            }
            catch (Exception ex) when (attempt < 8 && ex is JasperFx.ConcurrencyException or Marten.Exceptions.ExistingStreamIdCollisionException or Marten.Exceptions.MartenCommandException)
            {
            }
        }
    }
}

/// <summary>The Invoicing contract's invoice events on the invoice's stream.</summary>
public sealed class InvoiceFacts(IInvoicingContract invoicing, TimeProvider clock) : ChainFactHandler(clock)
{
    protected override string ContractAddress => invoicing.Address;

    protected override IChainFact? Decode(ChainLog log, bool final, DateTimeOffset observedAt)
    {
        var at = ChainRef.From(log);
        if (ContractEvents.TryDecode<InvoicingEvents.InvoiceIssuedEventDTO>(log.Topics, log.Data, out var issued))
        {
            var machine = Bytes32.ToGuid(issued.MachineId);
            return new InvoiceIssuedOnChain(InvoiceIds.StreamOf(machine, issued.Period), machine, issued.Period, issued.Revision, issued.TermsVersion, (long)issued.Total,
                Convert.ToHexStringLower(issued.InvoiceHash), Convert.ToHexStringLower(issued.InputsRoot), at, final, observedAt);
        }
        if (ContractEvents.TryDecode<InvoicingEvents.InvoiceAcceptedEventDTO>(log.Topics, log.Data, out var accepted))
        {
            var machine = Bytes32.ToGuid(accepted.MachineId);
            return new InvoiceAcceptedOnChain(InvoiceIds.StreamOf(machine, accepted.Period), machine, accepted.Period, accepted.Revision, at, final, observedAt);
        }
        if (ContractEvents.TryDecode<InvoicingEvents.InvoiceDisputedEventDTO>(log.Topics, log.Data, out var disputed))
        {
            var machine = Bytes32.ToGuid(disputed.MachineId);
            return new InvoiceDisputedOnChain(InvoiceIds.StreamOf(machine, disputed.Period), machine, disputed.Period, disputed.Revision,
                Cid.FromDigest(disputed.EvidenceCid).V0, at, final, observedAt);
        }
        if (ContractEvents.TryDecode<InvoicingEvents.InvoiceSettledEventDTO>(log.Topics, log.Data, out var settled))
        {
            var machine = Bytes32.ToGuid(settled.MachineId);
            return new InvoiceSettledOnChain(InvoiceIds.StreamOf(machine, settled.Period), machine, settled.Period, settled.Revision, at, final, observedAt);
        }
        return null;
    }
}
