using MaaS.Maintenance.Tickets;
using MaaS.Maintenance.TrackRecords;

namespace MaaS.Maintenance.Watchdogs;

/// <summary>The price a watchdog bids, in minor currency units, per ticket kind.</summary>
public sealed record PriceRule(ulong Repair, ulong Preventive)
{
    public ulong For(TicketKind kind) => kind == TicketKind.Preventive ? Preventive : Repair;
}

/// <summary>
/// The ETA a watchdog promises, in seconds, per ticket kind; with <see cref="FromTrackRecord"/> it promises its own 90th
/// percentile time to resolution instead, once it has resolved <see cref="MinimumHistory"/> tickets.
/// </summary>
public sealed record EtaRule(uint RepairSeconds, uint PreventiveSeconds, bool FromTrackRecord = false, int MinimumHistory = 3)
{
    public uint For(TicketKind kind, TrackRecordView? record) =>
        FromTrackRecord && record is { TimeToResolution: { P90Seconds: { } p90, Count: var count } } && count >= MinimumHistory
            ? (uint)Math.Clamp(Math.Ceiling(p90), 1, uint.MaxValue)
            : kind == TicketKind.Preventive ? PreventiveSeconds : RepairSeconds;
}

/// <summary>
/// A maintainer's watchdog: which tickets it takes by itself (models, regions and kinds — empty means any it is accredited
/// for), how many at once (<see cref="Capacity"/>: tickets assigned and not completed, plus pending accepts and bids), and
/// what it does by mode: accept first-come-first-served tickets, bid on open auctions, commit and later reveal sealed bids.
/// </summary>
public sealed record WatchdogRules(
    bool Enabled, IReadOnlyList<string> Models, IReadOnlyList<ushort> Regions, IReadOnlyList<TicketKind> Kinds, int Capacity,
    bool AutoAccept, bool AutoBid, bool AutoSeal, PriceRule Price, EtaRule Eta);

public sealed record WatchdogPolicySet(Guid MaintainerId, string Account, WatchdogRules Rules, DateTimeOffset At);

/// <summary>A maintainer's watchdog policy (inline projection of its stream; the stream keeps every change).</summary>
public sealed record WatchdogPolicy(Guid Id, string Account, WatchdogRules Rules, int Revision, bool Enabled, DateTimeOffset UpdatedAt)
{
    public static WatchdogPolicy Create(WatchdogPolicySet e) => new(e.MaintainerId, e.Account, e.Rules, 1, e.Rules.Enabled, e.At);

    public WatchdogPolicy Apply(WatchdogPolicySet e) => this with { Rules = e.Rules, Revision = Revision + 1, Enabled = e.Rules.Enabled, UpdatedAt = e.At };
}
