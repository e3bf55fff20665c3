using MaaS.Chain.Contracts;
using MaaS.Chain.Transactions;
using MaaS.Maintenance.Accreditations;
using MaaS.Maintenance.Machines;
using MaaS.Maintenance.Tickets;
using MaaS.Maintenance.Tickets.Bidding;
using MaaS.Maintenance.TrackRecords;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using MaaS.ServiceDefaults.Signals;
using Marten;
using Microsoft.Extensions.Options;
using MemberRoles = MaaS.ServiceDefaults.Identity.MemberRoles;
using TicketStatus = MaaS.Maintenance.Tickets.TicketStatus;

namespace MaaS.Maintenance.Watchdogs;

/// <summary>
/// Acts for the members this deployment holds keys for, a few times a second, from the tickets' state (so a restart
/// loses nothing and a second look sends nothing twice: every action's operation id is derived from what it is):
/// maintainers' watchdogs accept, bid, commit and reveal by their policies; a final assignment starts work; a failed
/// action is recorded as a back-off; an auction past its deadline is awarded (by the customer, or a bidder).
/// </summary>
public sealed class Watchdog(
    IServiceProvider services, IOptions<MaintenanceOptions> options, ChainFactsCommitted chainFacts, TimeProvider clock, ILogger<Watchdog> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepAsync(stoppingToken);
                failures = 0;
                // A ticket opened (or a bid, a deadline block) wakes the sweep at once when this instance follows the
                // chain; the poll is the fallback when another instance does. The service's overhead per accept is mostly this wait.
                await chainFacts.WaitAsync(options.Value.Watchdogs.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                logger.LogWarning(ex, "Watchdog sweep failed ({Failures} in a row)", failures);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(10_000, 250 * Math.Pow(2, Math.Min(failures, 6)))), clock, stoppingToken);
            }
        }
    }

    public async Task SweepAsync(CancellationToken ct)
    {
        var store = services.GetRequiredService<IDocumentStore>();
        var keys = services.GetRequiredService<ISigningKeys>();
        var commands = services.GetRequiredService<TicketCommands>();
        var hosted = new Dictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
        async Task<bool> IsHostedAsync(string account) =>
            hosted.TryGetValue(account, out var known) ? known : hosted[account] = await keys.FindAsync(account, ct) is not null;

        IReadOnlyList<TicketDetails> tickets;
        IReadOnlyList<WatchdogPolicy> policies;
        Dictionary<Guid, ServicedMachine> machines;
        IReadOnlyList<AccreditationRecord> accreditations;
        await using (var query = store.QuerySession())
        {
            tickets = await query.Query<TicketDetails>().Where(t => t.Active).OrderBy(t => t.RequestedAt).Take(1000).ToListAsync(ct);
            if (tickets.Count == 0) return;
            policies = await query.Query<WatchdogPolicy>().Where(p => p.Enabled).ToListAsync(ct);
            machines = (await query.LoadManyAsync<ServicedMachine>(ct, tickets.Select(t => t.MachineId).Distinct().ToArray())).ToDictionary(m => m.Id);
            accreditations = await AccreditationRecord.OfAsync(query, [.. policies.Select(p => p.Id)], ct);
        }

        await KeepBooksAsync(store, tickets, IsHostedAsync, ct);
        var open = tickets.Where(t => t.Status == TicketStatus.Open && machines.ContainsKey(t.MachineId)).ToList();
        if (open.Count == 0) return;
        var head = await commands.HeadAsync();
        await AwardAsync(commands, open, machines, head, IsHostedAsync, ct);

        foreach (var policy in policies)
        {
            if (!await IsHostedAsync(policy.Account)) continue;
            var load = WatchdogDecisions.Load(policy.Account, tickets);
            TrackRecordView? record = null;
            if (policy.Rules.Eta.FromTrackRecord)
            {
                await using var query = store.QuerySession();
                record = await GetTrackRecord.LoadAsync(query, policy.Id, options.Value, clock.GetUtcNow(), ct);
            }
            foreach (var ticket in open)
            {
                var machine = machines[ticket.MachineId];
                var accredited = accreditations.Any(a => a.MaintainerId == policy.Id && a.Covers(machine.Oem, machine.Model, machine.Region));
                if (WatchdogDecisions.Decide(policy, ticket, machine, accredited, load, head, record) is not { } action) continue;
                if (await ActAsync(store, commands, policy, ticket, machine, action, accredited, ct)) load++;
            }
        }
    }

    /// <summary>Takes one watchdog action once: refused by the rules or the contract's simulation, it backs off instead.</summary>
    private async Task<bool> ActAsync(IDocumentStore store, TicketCommands commands, WatchdogPolicy policy, TicketDetails ticket, ServicedMachine machine,
        WatchdogAction action, bool accredited, CancellationToken ct)
    {
        var name = action.Command.ToString().ToLowerInvariant();
        var operationId = TicketIds.Operation($"watchdog/{name}/{ticket.Id}/{policy.Account}");
        if (await commands.ExistingAsync(operationId, ct) is not null) return false;
        var actor = new MemberIdentity(policy.Id, "watchdog", MemberRoles.Maintainer, policy.Account, KeyScope.Write);
        var registry = services.GetRequiredService<IMachineRegistry>();
        var market = services.GetRequiredService<IMaintenanceMarket>();
        var sealedBids = services.GetRequiredService<SealedBids>();
        var id = Bytes32.FromGuid(ticket.MachineId);
        try
        {
            // A transaction already in the ledger under this operation's key (the operation was not recorded: a crash, or a
            // save refused by a concurrent append) is recorded now, whatever the ticket became since: it was decided then.
            var sent = await services.GetRequiredService<ITransactionWriter>().FindAsync(services.GetRequiredService<OperationRunner>().TransactionKey(operationId, 0), ct);
            if (sent is null) await commands.DecideAsync(ticket, machine, action.Command, actor, ct, knownAccredited: accredited);
            var (to, data) = action.Command switch
            {
                TicketCommand.Accept => (registry.Address, registry.AcceptTicket("", policy.Account, id, ticket.Seq).Data),
                TicketCommand.Bid => (market.Address, market.PlaceBid("", policy.Account, id, ticket.Seq, action.Price, action.Eta).Data),
                TicketCommand.Commit => await sealedBids.CommitAsync(ticket, policy.Account, action.Price, action.Eta, keepExisting: true, ct),
                TicketCommand.Reveal => await sealedBids.RevealAsync(ticket, policy.Account, ct)
                    ?? throw DomainException.Conflict("no-secret", "No secret is kept here for this commitment."),
                _ => throw new InvalidOperationException($"A watchdog does not {action.Command}."),
            };
            var operation = await commands.SendAsync(operationId, ticket, action.Command, actor, to, data, byWatchdog: true, ct);
            logger.LogInformation("Watchdog of {Maintainer}: {Action} on ticket {Ticket} (operation {Operation}, transaction {Hash})",
                policy.Account, name, ticket.Id, operation.Id, operation.Steps[0].TransactionHash);
            return true;
        }
        catch (ChainRevertException refused)
        {
            logger.LogInformation("Watchdog of {Maintainer}: {Action} on ticket {Ticket} refused by the contract ({Error}); backing off",
                policy.Account, name, ticket.Id, refused.Description);
            await AppendAsync(store, ticket.Id, [new WatchdogBackedOff(ticket.Id, policy.Account, name, refused.Description, null, clock.GetUtcNow())], ct);
        }
        catch (DomainException refused) when (refused.Status == StatusCodes.Status403Forbidden)
        {
            await AppendAsync(store, ticket.Id, [new WatchdogBackedOff(ticket.Id, policy.Account, name, refused.Message, null, clock.GetUtcNow())], ct);
        }
        catch (DomainException refused)
        {
            logger.LogDebug("Watchdog of {Maintainer}: no {Action} on ticket {Ticket} now ({Reason})", policy.Account, name, ticket.Id, refused.Message);
        }
        catch (Exception ex) when (ex is InvalidOperationException or JasperFx.ConcurrencyException)
        {
            // The transaction may be out; the next sweep finds it in the ledger and records the operation.
            logger.LogWarning(ex, "Watchdog of {Maintainer}: {Action} on ticket {Ticket} not recorded yet", policy.Account, name, ticket.Id);
        }
        return false;
    }

    /// <summary>Awards auctions whose deadline has passed, signed by the customer if hosted here, else by a bidder hosted here.</summary>
    private async Task AwardAsync(TicketCommands commands, IReadOnlyList<TicketDetails> open, IReadOnlyDictionary<Guid, ServicedMachine> machines, long head,
        Func<string, Task<bool>> isHosted, CancellationToken ct)
    {
        var market = services.GetRequiredService<IMaintenanceMarket>();
        foreach (var ticket in open.Where(t => WatchdogDecisions.ShouldAward(t, head)))
        {
            var machine = machines[ticket.MachineId];
            MemberIdentity? actor = null;
            if (await isHosted(machine.Customer)) actor = new MemberIdentity(machine.CustomerId, "watchdog", MemberRoles.Customer, machine.Customer, KeyScope.Write);
            else
                foreach (var bid in ticket.Bids)
                    if (await isHosted(bid.Bidder))
                    {
                        actor = new MemberIdentity(bid.BidderId, "watchdog", MemberRoles.Maintainer, bid.Bidder, KeyScope.Write);
                        break;
                    }
            if (actor is null) continue;
            var operationId = TicketIds.Operation($"watchdog/award/{ticket.Id}");
            if (await commands.ExistingAsync(operationId, ct) is not null) continue;
            try
            {
                await commands.DecideAsync(ticket, machine, TicketCommand.Award, actor, ct);
                await commands.SendAsync(operationId, ticket, TicketCommand.Award, actor, market.Address,
                    market.Award("", actor.Account, Bytes32.FromGuid(ticket.MachineId), ticket.Seq).Data, byWatchdog: true, ct);
            }
            catch (Exception ex) when (ex is ChainRevertException or DomainException)
            {
                logger.LogInformation("Award of ticket {Ticket} not sent: {Reason}", ticket.Id, ex.Message);
            }
        }
    }

    /// <summary>What the tickets' operations and final facts imply: failed opens, back-offs of failed actions, work started on final assignments.</summary>
    private async Task KeepBooksAsync(IDocumentStore store, IReadOnlyList<TicketDetails> tickets, Func<string, Task<bool>> isHosted, CancellationToken ct)
    {
        var pending = tickets.SelectMany(t => t.Operations.Where(o =>
                (o.Command == "open" && t.Status == TicketStatus.Requested) || (o.ByWatchdog && o.Command != "award" && !t.HasBackedOff(o.Account))))
            .Select(o => o.OperationId).Distinct().ToArray();
        Dictionary<Guid, OperationView> operations;
        await using (var query = store.QuerySession())
            operations = pending.Length == 0 ? [] : (await query.LoadManyAsync<OperationView>(ct, pending)).ToDictionary(o => o.Id);
        var now = clock.GetUtcNow();
        foreach (var ticket in tickets)
        {
            var events = new List<object>();
            foreach (var requested in ticket.Operations)
            {
                if (!operations.TryGetValue(requested.OperationId, out var operation) || operation.Status != OperationStatus.Failed) continue;
                // A lost race shows on the ticket a moment later (the follower's next poll): give it that moment to say who won.
                if (requested.Command != "open" && ticket.Status == TicketStatus.Open && now - (operation.CompletedAt ?? now) < TimeSpan.FromSeconds(5)) continue;
                if (requested.Command == "open") events.Add(new TicketOpenFailed(ticket.Id, operation.Id, operation.Error ?? "failed", now));
                else events.Add(new WatchdogBackedOff(ticket.Id, requested.Account, requested.Command, Reason(ticket, requested.Account, operation), operation.Id, now));
            }
            if (ticket.WorkPending && ticket.FinalAssignee is { } assignee && await isHosted(assignee))
            {
                var acceptance = ticket.History.Settled().Last(h => h.Event == "TicketAccepted");
                events.Add(new WorkStarted(ticket.Id, assignee, acceptance.TransactionHash, now));
                logger.LogInformation("Maintainer {Maintainer} starts work on ticket {Ticket}: its assignment ({Hash}) is final", assignee, ticket.Id, acceptance.TransactionHash);
            }
            if (events.Count > 0) await AppendAsync(store, ticket.Id, events, ct);
        }
    }

    /// <summary>
    /// Why an action failed on chain. A transaction that lost a same-block race replays fine on the state before its block,
    /// so the ledger cannot name the error; the ticket can: somebody else took it.
    /// </summary>
    private static string Reason(TicketDetails ticket, string account, OperationView operation) =>
        ticket.Assignee is { } winner && !string.Equals(winner, account, StringComparison.OrdinalIgnoreCase)
            ? $"TicketAlreadyTaken: {winner} was first in chain order (transaction failed with {operation.Error ?? "a revert"})"
            : operation.Error ?? "failed";

    private async Task AppendAsync(IDocumentStore store, Guid ticketId, IReadOnlyList<object> events, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        (await session.Events.FetchForWriting<TicketDetails>(ticketId, ct)).AppendMany(events);
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (JasperFx.ConcurrencyException)
        {
            logger.LogDebug("Ticket {Ticket} changed while the watchdog wrote to it; it looks again next time", ticketId);
        }
    }
}
