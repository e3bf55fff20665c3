using MaaS.Maintenance.Machines;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using MachineState = MaaS.Chain.Contracts.MachineState;

namespace MaaS.Maintenance.Tickets;

public enum TicketCommand
{
    Open,
    Accept,
    Bid,
    Commit,
    Reveal,
    Award,
    Complete,
    Close,
    Cancel,
    Pause,
    Resume,
}

/// <summary>
/// What a decision is made on: the caller, the machine, the ticket (for <see cref="TicketCommand.Open"/>: the machine's
/// latest ticket, if any), whether the chain says the caller is accredited for the machine, and the head block
/// (auction windows are in blocks; a transaction sent now lands in block <c>Head + 1</c> at the earliest).
/// </summary>
public sealed record DecisionContext(MemberIdentity Caller, ServicedMachine Machine, TicketDetails? Ticket, bool Accredited, long Head);

/// <summary>
/// Whether a member may do something to a ticket, decided on the state this service sees: a wrong party is 403 and a
/// wrong state 409, before any transaction is sent. The contracts check the same again on their own. A maintainer's
/// assignment counts only once it is final (chain order at finality decides who won).
/// </summary>
public static class TicketDecisions
{
    public static void Decide(TicketCommand command, DecisionContext c)
    {
        switch (command)
        {
            case TicketCommand.Open:
                RequireCustomer(c);
                if (c.Machine.State is not (MachineState.Accepted or MachineState.Executed or MachineState.Stopped))
                    throw DomainException.Conflict("invalid-machine-state", $"Machine {c.Machine.Id} is {c.Machine.State}; a ticket needs it accepted, running or stopped.");
                if (c.Ticket is { Active: true } active)
                    throw DomainException.Conflict("ticket-active", $"Machine {c.Machine.Id} already has ticket {active.Id} ({active.Status}); one active ticket per machine.");
                break;
            case TicketCommand.Accept:
                var ticket = RequireTicket(c);
                RequireAccredited(c);
                RequireMode(ticket, SelectionMode.Fcfs);
                RequireStatus(ticket, command, TicketStatus.Open);
                break;
            case TicketCommand.Bid:
                ticket = RequireTicket(c);
                RequireAccredited(c);
                RequireMode(ticket, SelectionMode.Bidding);
                RequireStatus(ticket, command, TicketStatus.Open);
                if (ticket.Auction?.Deadline is { } deadline && (ulong)c.Head + 1 > deadline)
                    throw DomainException.Conflict("bidding-closed", $"Bidding on ticket {ticket.Id} closed at block {deadline}.");
                if (ticket.HasBid(c.Caller.Account) || ticket.HasRequested(c.Caller.Account, "bid"))
                    throw DomainException.Conflict("already-bid", "You already bid on this ticket; each maintainer bids once.");
                break;
            case TicketCommand.Commit:
                ticket = RequireTicket(c);
                RequireAccredited(c);
                RequireMode(ticket, SelectionMode.Sealed);
                RequireStatus(ticket, command, TicketStatus.Open);
                if (ticket.Auction?.Deadline is not { } commitEnd || (ulong)c.Head + 1 > commitEnd)
                    throw DomainException.Conflict("commit-phase-over", $"Sealed bids on ticket {ticket.Id} were taken until block {ticket.Auction?.Deadline}.");
                if (ticket.CommitmentOf(c.Caller.Account) is not null || ticket.HasRequested(c.Caller.Account, "commit"))
                    throw DomainException.Conflict("already-committed", "You already committed to a sealed bid on this ticket.");
                break;
            case TicketCommand.Reveal:
                ticket = RequireTicket(c);
                RequireMode(ticket, SelectionMode.Sealed);
                RequireStatus(ticket, command, TicketStatus.Open);
                if (ticket.CommitmentOf(c.Caller.Account) is not { Revealed: false })
                    throw DomainException.Conflict("no-commitment", "You have no unrevealed sealed bid on this ticket.");
                RequireAccredited(c);
                if (ticket.Auction is not { Deadline: { } end, RevealDeadline: { } revealEnd } || (ulong)c.Head + 1 <= end || (ulong)c.Head + 1 > revealEnd)
                    throw DomainException.Conflict("not-reveal-phase",
                        $"Sealed bids on ticket {ticket.Id} are revealed in blocks {ticket.Auction?.Deadline + 1}–{ticket.Auction?.RevealDeadline}; the chain is at {c.Head}.");
                break;
            case TicketCommand.Award:
                ticket = RequireTicket(c);
                if (!c.Machine.IsCustomer(c.Caller) && !ticket.Bids.Any(b => Same(b.Bidder, c.Caller.Account)))
                    throw DomainException.Forbidden("Only the customer or a bidder awards a ticket through this service.");
                if (ticket.Mode == SelectionMode.Fcfs) throw DomainException.Conflict("wrong-mode", $"Ticket {ticket.Id} is first come, first served: nothing to award.");
                RequireStatus(ticket, command, TicketStatus.Open);
                var awardAfter = ticket.Mode == SelectionMode.Sealed ? ticket.Auction?.RevealDeadline : ticket.Auction?.Deadline;
                if (awardAfter is not { } after || (ulong)c.Head + 1 <= after)
                    throw DomainException.Conflict("award-too-early", $"Ticket {ticket.Id} can be awarded after block {awardAfter}; the chain is at {c.Head}.");
                if (ticket.Bids.Count == 0) throw DomainException.Conflict("no-bids", $"Ticket {ticket.Id} has no (revealed) bids to award.");
                break;
            case TicketCommand.Complete:
                ticket = RequireTicket(c);
                if (!ticket.IsAssigned(c.Caller.Account))
                {
                    if (Same(ticket.Assignee, c.Caller.Account))
                        throw DomainException.Conflict("assignment-not-final", $"Your assignment to ticket {ticket.Id} is not final yet; start work once it is.");
                    throw DomainException.Forbidden($"Only the maintainer assigned to ticket {ticket.Id} may complete it.");
                }
                RequireStatus(ticket, command, TicketStatus.Accepted);
                break;
            case TicketCommand.Close:
                ticket = RequireTicket(c);
                RequireCustomer(c);
                RequireStatus(ticket, command, TicketStatus.Completed);
                break;
            case TicketCommand.Cancel:
                ticket = RequireTicket(c);
                RequireCustomer(c);
                RequireStatus(ticket, command, TicketStatus.Open, TicketStatus.Accepted);
                break;
            case TicketCommand.Pause:
                ticket = RequireTicket(c);
                RequireCustomerOrAssignee(c, ticket);
                if (!ticket.Active || ticket.Status == TicketStatus.Requested || ticket.RunningAgainAt is not null)
                    throw DomainException.Conflict("no-clock-running", $"Ticket {ticket.Id} has no running SLA clock to pause.");
                if (ticket.Paused) throw DomainException.Conflict("already-paused", $"Ticket {ticket.Id} is already paused ({ticket.Pauses[^1].Reason}).");
                break;
            case TicketCommand.Resume:
                ticket = RequireTicket(c);
                RequireCustomerOrAssignee(c, ticket);
                if (!ticket.Paused) throw DomainException.Conflict("not-paused", $"Ticket {ticket.Id} is not paused.");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(command));
        }
    }

    private static bool Same(string? a, string? b) => a is not null && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static TicketDetails RequireTicket(DecisionContext c) => c.Ticket ?? throw new InvalidOperationException("A ticket command needs its ticket.");

    private static void RequireCustomer(DecisionContext c)
    {
        if (!c.Machine.IsCustomer(c.Caller)) throw DomainException.Forbidden($"Only the customer of machine {c.Machine.Id} may do this.");
    }

    private static void RequireCustomerOrAssignee(DecisionContext c, TicketDetails ticket)
    {
        if (!c.Machine.IsCustomer(c.Caller) && !ticket.IsAssigned(c.Caller.Account))
            throw DomainException.Forbidden($"Only the customer or the assigned maintainer of ticket {ticket.Id} may do this.");
    }

    private static void RequireAccredited(DecisionContext c)
    {
        if (!c.Caller.Has(MemberRoles.Maintainer) || !c.Accredited)
            throw DomainException.Forbidden($"Only a maintainer accredited by the OEM for {c.Machine.Model} in region {c.Machine.Region} may do this.");
    }

    private static void RequireMode(TicketDetails ticket, SelectionMode mode)
    {
        if (ticket.Mode != mode)
            throw DomainException.Conflict("wrong-mode", $"Ticket {ticket.Id} selects its maintainer by {ticket.Mode.Name()}, not {mode.Name()}.");
    }

    private static void RequireStatus(TicketDetails ticket, TicketCommand command, params TicketStatus[] allowed)
    {
        if (!allowed.Contains(ticket.Status))
            throw DomainException.Conflict("invalid-ticket-state", $"Ticket {ticket.Id} is {ticket.Status}; {command} needs it {string.Join(" or ", allowed)}.");
    }
}
