using MaaS.Maintenance.Machines;
using MaaS.Maintenance.Tickets;
using MaaS.Maintenance.TrackRecords;

namespace MaaS.Maintenance.Watchdogs;

/// <summary>What a watchdog does next on a ticket: accept, bid or commit (with price and ETA), or reveal.</summary>
public sealed record WatchdogAction(TicketCommand Command, ulong Price = 0, uint Eta = 0);

/// <summary>
/// The watchdog's rules (pure): given a maintainer's policy, an open ticket, its machine, whether the maintainer is
/// accredited for it, its current load and the head block, the one thing to do now — or nothing. Each action is taken at
/// most once per ticket (its operation id is derived from ticket, maintainer and action), and never again after the
/// maintainer backed off (lost the race, or the contract refused it).
/// </summary>
public static class WatchdogDecisions
{
    public static WatchdogAction? Decide(
        WatchdogPolicy policy, TicketDetails ticket, ServicedMachine machine, bool accredited, int load, long head, TrackRecordView? record)
    {
        var rules = policy.Rules;
        var me = policy.Account;
        if (!policy.Enabled || ticket.Status != TicketStatus.Open || !accredited || ticket.HasBackedOff(me)) return null;
        if (rules.Models.Count > 0 && !rules.Models.Contains(machine.Model)) return null;
        if (rules.Regions.Count > 0 && !rules.Regions.Contains(machine.Region)) return null;
        if (rules.Kinds.Count > 0 && !rules.Kinds.Contains(ticket.Kind)) return null;
        var room = load < rules.Capacity;
        var next = (ulong)head + 1;
        var price = rules.Price.For(ticket.Kind);
        var eta = rules.Eta.For(ticket.Kind, record);
        switch (ticket.Mode)
        {
            case SelectionMode.Fcfs when rules.AutoAccept && room && !ticket.HasRequested(me, "accept"):
                return new WatchdogAction(TicketCommand.Accept);
            case SelectionMode.Bidding when rules.AutoBid && room && !ticket.HasRequested(me, "bid") && !ticket.HasBid(me)
                && (ticket.Auction?.Deadline is not { } deadline || next <= deadline):
                return new WatchdogAction(TicketCommand.Bid, price, eta);
            case SelectionMode.Sealed when rules.AutoSeal && ticket.Auction is { Deadline: { } end, RevealDeadline: { } revealEnd }:
                var commitment = ticket.CommitmentOf(me);
                if (commitment is null && room && !ticket.HasRequested(me, "commit") && next <= end) return new WatchdogAction(TicketCommand.Commit, price, eta);
                if (commitment is { Revealed: false } && !ticket.HasRequested(me, "reveal") && next > end && next <= revealEnd) return new WatchdogAction(TicketCommand.Reveal);
                return null;
        }
        return null;
    }

    /// <summary>Tickets counted against a maintainer's capacity: assigned and not completed, or open with its accept, bid or commitment pending.</summary>
    public static int Load(string account, IEnumerable<TicketDetails> tickets) => tickets.Count(t =>
        (t.Status == TicketStatus.Accepted && string.Equals(t.Assignee, account, StringComparison.OrdinalIgnoreCase))
        || (t.Status == TicketStatus.Open && !t.HasBackedOff(account)
            && (t.HasRequested(account, "accept") || t.HasRequested(account, "bid") || t.HasRequested(account, "commit") || t.HasBid(account) || t.CommitmentOf(account) is not null)));

    /// <summary>Whether an auction is over and can be awarded now: the deadline (open) or reveal deadline (sealed) has passed and there are bids.</summary>
    public static bool ShouldAward(TicketDetails ticket, long head)
    {
        if (ticket.Status != TicketStatus.Open || ticket.Mode == SelectionMode.Fcfs || ticket.Bids.Count == 0) return false;
        if (ticket.Operations.Any(o => o.Command == "award")) return false;
        var after = ticket.Mode == SelectionMode.Sealed ? ticket.Auction?.RevealDeadline : ticket.Auction?.Deadline;
        return after is { } end && (ulong)head + 1 > end;
    }
}
