using MaaS.ServiceDefaults.ChainFacts;
using MaaS.ServiceDefaults.Identity;

namespace MaaS.Maintenance.Tickets;

/// <summary>An auction's terms as the customer asked (blocks) and as the chain set them (deadlines, block numbers).</summary>
public sealed record AuctionTerms(RankingRule Rule, ushort PriceWeight, ushort EtaWeight, ushort MaxBids, uint BiddingBlocks, uint RevealBlocks)
{
    public static AuctionTerms None { get; } = new(RankingRule.LowestPrice, 0, 0, 0, 0, 0);
}

// ---- Intent and off-chain facts: what members and this deployment's watchdogs asked, and the SLA clock's events.
public sealed record TicketOpenRequested(
    Guid TicketId, Guid MachineId, uint Seq, Guid OperationId, Guid MemberId, string Customer, TicketKind Kind, SelectionMode Mode, AuctionTerms Terms,
    string DescriptionCid, string? FailureKey, DateTimeOffset At);

public sealed record TicketCommandRequested(Guid TicketId, Guid OperationId, string Command, Guid MemberId, string Account, bool ByWatchdog, DateTimeOffset At);

/// <summary>The transaction that was to open the ticket failed on chain: the ticket never existed.</summary>
public sealed record TicketOpenFailed(Guid TicketId, Guid OperationId, string Error, DateTimeOffset At);

/// <summary>Telemetry reported a failure of the machine while this ticket was already active (no second ticket is opened).</summary>
public sealed record FailureReported(Guid TicketId, string FailureKey, string Reason, long? ReadingSeq, long TimestampMs, DateTimeOffset At);

/// <summary>A watchdog's action on this ticket was refused or failed on chain; it does not try that action again.</summary>
public sealed record WatchdogBackedOff(Guid TicketId, string Maintainer, string Action, string Reason, Guid? OperationId, DateTimeOffset At);

/// <summary>The ticket's final maintainer, hosted here, starts work: only once its assignment is final.</summary>
public sealed record WorkStarted(Guid TicketId, string Maintainer, string TransactionHash, DateTimeOffset At);

public sealed record SlaClockPaused(Guid TicketId, PauseReason Reason, string? Note, Guid By, DateTimeOffset At);

public sealed record SlaClockResumed(Guid TicketId, Guid By, DateTimeOffset At);

/// <param name="Source"><c>chain</c> (a final MachineStarted after the completion, or the machine never stopped) or <c>telemetry</c>.</param>
public sealed record ResolutionObserved(Guid TicketId, string Source, string? TransactionHash, DateTimeOffset At);

public sealed record SlaBreached(
    Guid TicketId, Guid MachineId, uint Seq, TicketKind Kind, SlaClock Clock, double TargetSeconds, double ElapsedSeconds, string? Maintainer, DateTimeOffset At);

/// <summary>Both clocks have stopped and their breaches (if any) are recorded: the sweeper need not look at the ticket again.</summary>
public sealed record SlaSettled(Guid TicketId, DateTimeOffset At);

// ---- Chain facts from MachineRegistry (tickets) and Maintenance (auctions); see ChainFacts for observed / final / retracted.
public interface ITicketFact : IChainFact
{
    Guid MachineId { get; }

    uint Seq { get; }
}

public sealed record TicketOpenedOnChain(
    Guid StreamId, Guid MachineId, uint Seq, TicketKind Kind, SelectionMode Mode, string DescriptionCid, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : ITicketFact;

public sealed record AuctionOpenedOnChain(
    Guid StreamId, Guid MachineId, uint Seq, SelectionMode Mode, RankingRule Rule, ushort PriceWeight, ushort EtaWeight, ushort MaxBids, ulong Deadline,
    ulong RevealDeadline, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : ITicketFact;

public sealed record TicketAcceptedOnChain(Guid StreamId, Guid MachineId, uint Seq, string Maintainer, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : ITicketFact;

public sealed record BidPlacedOnChain(Guid StreamId, Guid MachineId, uint Seq, string Bidder, ulong Price, uint Eta, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : ITicketFact;

public sealed record BidCommittedOnChain(Guid StreamId, Guid MachineId, uint Seq, string Bidder, string Commitment, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : ITicketFact;

public sealed record BidRevealedOnChain(Guid StreamId, Guid MachineId, uint Seq, string Bidder, ulong Price, uint Eta, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : ITicketFact;

public sealed record TicketAwardedOnChain(Guid StreamId, Guid MachineId, uint Seq, string Maintainer, ulong Price, uint Eta, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : ITicketFact;

public sealed record TicketCompletedOnChain(Guid StreamId, Guid MachineId, uint Seq, string ReportCid, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : ITicketFact;

public sealed record TicketClosedOnChain(Guid StreamId, Guid MachineId, uint Seq, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : ITicketFact;

public sealed record TicketCancelledOnChain(Guid StreamId, Guid MachineId, uint Seq, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : ITicketFact;

// ---- Pieces of the read model.
public sealed record AuctionView(
    RankingRule Rule, ushort PriceWeight, ushort EtaWeight, ushort MaxBids, uint BiddingBlocks, uint RevealBlocks, ulong? Deadline, ulong? RevealDeadline);

public sealed record BidView(string Bidder, Guid BidderId, ulong Price, uint Eta, bool Sealed, FactStatus Status, string TransactionHash, long Block);

public sealed record CommitmentView(string Bidder, string Commitment, bool Revealed, FactStatus Status, string TransactionHash);

public sealed record AwardView(string Maintainer, ulong Price, uint Eta, FactStatus Status, string TransactionHash);

public sealed record TicketOperation(Guid OperationId, string Command, string Account, Guid MemberId, bool ByWatchdog, DateTimeOffset At);

public sealed record BackOff(string Maintainer, string Action, string Reason, Guid? OperationId, DateTimeOffset At);

public sealed record SlaPause(PauseReason Reason, string? Note, Guid By, DateTimeOffset From, DateTimeOffset? To, Guid? ResumedBy);

public sealed record SlaBreach(SlaClock Clock, double TargetSeconds, double ElapsedSeconds, DateTimeOffset At);

public sealed record ReportedFailure(string Key, string Reason, long? ReadingSeq, long TimestampMs, DateTimeOffset At);

/// <summary>
/// A ticket as its stream says (inline projection, and the state decisions are made on). <see cref="Status"/> is what
/// the chain shows now, <see cref="FinalStatus"/> what is final. The maintainer who may work is
/// <see cref="FinalAssignee"/>: an acceptance or award counts only once its block is final (<see cref="Assignee"/> is
/// the one observed so far, which a reorg may still take away). Times are when this service first saw each fact.
/// </summary>
public sealed record TicketDetails
{
    public Guid Id { get; init; }

    public Guid MachineId { get; init; }

    public uint Seq { get; init; }

    public TicketKind Kind { get; init; }

    public SelectionMode Mode { get; init; }

    public AuctionView? Auction { get; init; }

    public string? DescriptionCid { get; init; }

    public string? ReportCid { get; init; }

    public TicketStatus Status { get; init; }

    public TicketStatus FinalStatus { get; init; }

    public string? Assignee { get; init; }

    public string? FinalAssignee { get; init; }

    public Guid? FinalAssigneeId { get; init; }

    public IReadOnlyList<BidView> Bids { get; init; } = [];

    public IReadOnlyList<CommitmentView> Commitments { get; init; } = [];

    public AwardView? Award { get; init; }

    public string? FailureKey { get; init; }

    public DateTimeOffset? RequestedAt { get; init; }

    public DateTimeOffset? OpenedAt { get; init; }

    public DateTimeOffset? AcceptedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    public DateTimeOffset? ClosedAt { get; init; }

    public DateTimeOffset? CancelledAt { get; init; }

    public DateTimeOffset? RunningAgainAt { get; init; }

    /// <summary>Who told that the machine runs again: <c>chain</c> or <c>telemetry</c> (see <see cref="ResolutionObserved"/>).</summary>
    public string? ResolutionSource { get; init; }

    public IReadOnlyList<FactEntry> History { get; init; } = [];

    public IReadOnlyList<TicketOperation> Operations { get; init; } = [];

    public IReadOnlyList<BackOff> BackOffs { get; init; } = [];

    public IReadOnlyList<string> WorkStartedBy { get; init; } = [];

    public IReadOnlyList<SlaPause> Pauses { get; init; } = [];

    public IReadOnlyList<SlaBreach> Breaches { get; init; } = [];

    public IReadOnlyList<ReportedFailure> Failures { get; init; } = [];

    public bool SlaSettled { get; init; }

    /// <summary>The final maintainer has not started work yet (a watchdog of this deployment starts it if the maintainer is hosted here).</summary>
    public bool WorkPending { get; init; }

    public bool Active { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public bool Paused => Pauses.Count > 0 && Pauses[^1].To is null;

    public bool IsAssigned(string account) => string.Equals(FinalAssignee, account, StringComparison.OrdinalIgnoreCase);

    public bool HasRequested(string account, string command) =>
        Operations.Any(o => o.Command == command && string.Equals(o.Account, account, StringComparison.OrdinalIgnoreCase));

    public bool HasBackedOff(string account) => BackOffs.Any(b => string.Equals(b.Maintainer, account, StringComparison.OrdinalIgnoreCase));

    public bool HasBid(string account) => Bids.Any(b => string.Equals(b.Bidder, account, StringComparison.OrdinalIgnoreCase));

    public CommitmentView? CommitmentOf(string account) =>
        Commitments.FirstOrDefault(c => string.Equals(c.Bidder, account, StringComparison.OrdinalIgnoreCase));

    // ---- intent
    public TicketDetails Apply(TicketOpenRequested e) => Recompute(Seed(e.TicketId, e.MachineId, e.Seq) with
    {
        Status = TicketStatus.Requested,
        Kind = e.Kind, Mode = e.Mode, DescriptionCid = DescriptionCid ?? e.DescriptionCid, FailureKey = e.FailureKey, RequestedAt = e.At,
        Auction = e.Mode == SelectionMode.Fcfs ? null : Auction ?? new AuctionView(e.Terms.Rule, e.Terms.PriceWeight, e.Terms.EtaWeight, e.Terms.MaxBids,
            e.Terms.BiddingBlocks, e.Terms.RevealBlocks, null, null),
        Operations = [.. Operations, new TicketOperation(e.OperationId, "open", e.Customer, e.MemberId, false, e.At)],
    }, e.At);

    public TicketDetails Apply(TicketCommandRequested e) => Operations.Any(o => o.OperationId == e.OperationId)
        ? this
        : this with { Operations = [.. Operations, new TicketOperation(e.OperationId, e.Command, e.Account, e.MemberId, e.ByWatchdog, e.At)], UpdatedAt = e.At };

    public TicketDetails Apply(TicketOpenFailed e) =>
        Status == TicketStatus.Requested ? this with { Status = TicketStatus.Failed, Active = false, UpdatedAt = e.At } : this;

    public TicketDetails Apply(FailureReported e) => Failures.Any(f => f.Key == e.FailureKey)
        ? this
        : this with { Failures = [.. Failures, new ReportedFailure(e.FailureKey, e.Reason, e.ReadingSeq, e.TimestampMs, e.At)], UpdatedAt = e.At };

    public TicketDetails Apply(WatchdogBackedOff e) =>
        BackOffs.Any(b => b.Action == e.Action && string.Equals(b.Maintainer, e.Maintainer, StringComparison.OrdinalIgnoreCase))
            ? this
            : Recompute(this with { BackOffs = [.. BackOffs, new BackOff(e.Maintainer, e.Action, e.Reason, e.OperationId, e.At)] }, e.At);

    public TicketDetails Apply(WorkStarted e) =>
        WorkStartedBy.Contains(e.Maintainer) ? this : Recompute(this with { WorkStartedBy = [.. WorkStartedBy, e.Maintainer] }, e.At);

    public TicketDetails Apply(SlaClockPaused e) => Paused ? this : this with { Pauses = [.. Pauses, new SlaPause(e.Reason, e.Note, e.By, e.At, null, null)], UpdatedAt = e.At };

    public TicketDetails Apply(SlaClockResumed e) => !Paused ? this : this with { Pauses = [.. Pauses.SkipLast(1), Pauses[^1] with { To = e.At, ResumedBy = e.By }], UpdatedAt = e.At };

    public TicketDetails Apply(ResolutionObserved e) =>
        RunningAgainAt is not null ? this : this with { RunningAgainAt = e.At, ResolutionSource = e.Source, UpdatedAt = e.At };

    public TicketDetails Apply(SlaBreached e) => Breaches.Any(b => b.Clock == e.Clock)
        ? this
        : this with { Breaches = [.. Breaches, new SlaBreach(e.Clock, e.TargetSeconds, e.ElapsedSeconds, e.At)], UpdatedAt = e.At };

    public TicketDetails Apply(SlaSettled e) => this with { SlaSettled = true, UpdatedAt = e.At };

    // ---- chain facts
    public TicketDetails Apply(TicketOpenedOnChain e) =>
        Recompute(Seed(e) with { Kind = e.Kind, Mode = e.Mode, History = History.Record(e, "TicketOpened", detail: e.DescriptionCid) }, e.ObservedAt);

    public TicketDetails Apply(AuctionOpenedOnChain e) => Recompute(Seed(e) with
    {
        Mode = e.Mode,
        Auction = new AuctionView(e.Rule, e.PriceWeight, e.EtaWeight, e.MaxBids, Auction?.BiddingBlocks ?? 0, Auction?.RevealBlocks ?? 0,
            e.Deadline == 0 ? null : e.Deadline, e.RevealDeadline == 0 ? null : e.RevealDeadline),
        History = History.Record(e, "AuctionOpened"),
    }, e.ObservedAt);

    public TicketDetails Apply(TicketAcceptedOnChain e) => Recompute(Seed(e) with { History = History.Record(e, "TicketAccepted", e.Maintainer) }, e.ObservedAt);

    public TicketDetails Apply(BidPlacedOnChain e) => Recompute(Seed(e) with { History = History.Record(e, "BidPlaced", e.Bidder, e.Price, e.Eta) }, e.ObservedAt);

    public TicketDetails Apply(BidCommittedOnChain e) =>
        Recompute(Seed(e) with { History = History.Record(e, "BidCommitted", e.Bidder, detail: e.Commitment) }, e.ObservedAt);

    public TicketDetails Apply(BidRevealedOnChain e) => Recompute(Seed(e) with { History = History.Record(e, "BidRevealed", e.Bidder, e.Price, e.Eta) }, e.ObservedAt);

    public TicketDetails Apply(TicketAwardedOnChain e) =>
        Recompute(Seed(e) with { History = History.Record(e, "TicketAwarded", e.Maintainer, e.Price, e.Eta) }, e.ObservedAt);

    public TicketDetails Apply(TicketCompletedOnChain e) =>
        Recompute(Seed(e) with { History = History.Record(e, "TicketCompleted", detail: e.ReportCid) }, e.ObservedAt);

    public TicketDetails Apply(TicketClosedOnChain e) => Recompute(Seed(e) with { History = History.Record(e, "TicketClosed") }, e.ObservedAt);

    public TicketDetails Apply(TicketCancelledOnChain e) => Recompute(Seed(e) with { History = History.Record(e, "TicketCancelled") }, e.ObservedAt);

    public TicketDetails Apply(ChainFactRetracted e) => Recompute(this with { History = History.Retract(e) }, e.At);

    private TicketDetails Seed(ITicketFact fact) => Seed(fact.StreamId, fact.MachineId, fact.Seq);

    private TicketDetails Seed(Guid id, Guid machineId, uint seq) => Id != Guid.Empty ? this : this with { Id = id, MachineId = machineId, Seq = seq };

    /// <summary>Everything the chain says is folded again from the facts that still hold, so a retraction undoes exactly its fact.</summary>
    private static TicketDetails Recompute(TicketDetails t, DateTimeOffset at)
    {
        var live = t.History.Live().ToList();
        var settled = live.Where(h => h.Status == FactStatus.Final).ToList();
        var status = Fold(live, t.Status == TicketStatus.Failed ? TicketStatus.Failed : TicketStatus.Requested);
        // An acceptance holds until its ticket ends; a final one is never retracted.
        var finalAssignee = settled.LastOrDefault(h => h.Event == "TicketAccepted")?.Actor;
        var reveals = live.Where(h => h.Event == "BidRevealed").ToList();
        var award = live.LastOrDefault(h => h.Event == "TicketAwarded");
        var next = t with
        {
            Status = status,
            FinalStatus = Fold(settled, TicketStatus.Requested),
            Assignee = live.LastOrDefault(h => h.Event == "TicketAccepted")?.Actor,
            FinalAssignee = finalAssignee,
            FinalAssigneeId = finalAssignee is null ? null : MemberIds.For(finalAssignee),
            Bids = [.. live.Where(h => h.Event is "BidPlaced" or "BidRevealed").Select(h => new BidView(h.Actor!, MemberIds.For(h.Actor!), h.Price ?? 0, h.Eta ?? 0,
                h.Event == "BidRevealed", h.Status, h.TransactionHash, h.Block))],
            Commitments = [.. live.Where(h => h.Event == "BidCommitted").Select(h => new CommitmentView(h.Actor!, h.Detail!,
                reveals.Any(r => r.Actor == h.Actor), h.Status, h.TransactionHash))],
            Award = award is null ? null : new AwardView(award.Actor!, award.Price ?? 0, award.Eta ?? 0, award.Status, award.TransactionHash),
            DescriptionCid = live.FirstOrDefault(h => h.Event == "TicketOpened")?.Detail ?? t.DescriptionCid,
            ReportCid = live.LastOrDefault(h => h.Event == "TicketCompleted")?.Detail,
            OpenedAt = live.FirstOrDefault(h => h.Event == "TicketOpened")?.ObservedAt,
            AcceptedAt = live.LastOrDefault(h => h.Event == "TicketAccepted")?.ObservedAt,
            CompletedAt = live.LastOrDefault(h => h.Event == "TicketCompleted")?.ObservedAt,
            ClosedAt = live.LastOrDefault(h => h.Event == "TicketClosed")?.ObservedAt,
            CancelledAt = live.LastOrDefault(h => h.Event == "TicketCancelled")?.ObservedAt,
            UpdatedAt = at,
        };
        return next with
        {
            Active = next.Status.IsActive(),
            WorkPending = finalAssignee is not null && next.FinalStatus == TicketStatus.Accepted && !next.WorkStartedBy.Contains(finalAssignee),
        };
    }

    private static TicketStatus Fold(IEnumerable<FactEntry> facts, TicketStatus initial) => facts.Aggregate(initial, (status, fact) => fact.Event switch
    {
        "TicketOpened" => TicketStatus.Open,
        "TicketAccepted" => TicketStatus.Accepted,
        "TicketCompleted" => TicketStatus.Completed,
        "TicketClosed" => TicketStatus.Closed,
        "TicketCancelled" => TicketStatus.Cancelled,
        _ => status,
    });
}
