using MaaS.Maintenance.Machines;
using MaaS.Maintenance.Tickets;
using MaaS.ServiceDefaults.ChainFacts;
using Marten;
using Microsoft.Extensions.Options;

namespace MaaS.Maintenance.Sla;

/// <summary>
/// Watches every ticket whose SLA is not settled: notices when its machine runs again after the completion (a final
/// MachineStarted after the final TicketCompleted, or the machine never stopped), records each clock's breach once,
/// and settles the ticket when both clocks have stopped. Breaches leave as <c>MaintenanceSlaBreached</c>.
/// </summary>
public sealed class SlaSweeper(IServiceProvider services, IOptions<MaintenanceOptions> options, TimeProvider clock, ILogger<SlaSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepAsync(stoppingToken);
                await Task.Delay(options.Value.Sla.SweepInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "SLA sweep failed");
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
            }
        }
    }

    public async Task SweepAsync(CancellationToken ct)
    {
        var store = services.GetRequiredService<IDocumentStore>();
        IReadOnlyList<TicketDetails> tickets;
        IReadOnlyDictionary<Guid, ServicedMachine> machines;
        await using (var query = store.QuerySession())
        {
            tickets = await query.Query<TicketDetails>().Where(t => !t.SlaSettled && t.Status != TicketStatus.Requested).Take(500).ToListAsync(ct);
            var ids = tickets.Select(t => t.MachineId).Distinct().ToArray();
            machines = (await query.LoadManyAsync<ServicedMachine>(ct, ids)).ToDictionary(m => m.Id);
        }
        foreach (var ticket in tickets)
        {
            var events = Assess(ticket, machines.GetValueOrDefault(ticket.MachineId), options.Value, clock.GetUtcNow());
            if (events.Count == 0) continue;
            await using var session = store.LightweightSession();
            (await session.Events.FetchForWriting<TicketDetails>(ticket.Id, ct)).AppendMany(events);
            try
            {
                await session.SaveChangesAsync(ct);
            }
            catch (JasperFx.ConcurrencyException)
            {
                // The follower appended to the ticket meanwhile; the next sweep looks again.
            }
        }
    }

    /// <summary>What the sweep records for one ticket now (pure).</summary>
    public static IReadOnlyList<object> Assess(TicketDetails ticket, ServicedMachine? machine, MaintenanceOptions options, DateTimeOffset now)
    {
        var events = new List<object>();
        if (ticket.RunningAgainAt is null && ticket.FinalStatus is TicketStatus.Completed or TicketStatus.Closed && machine is not null
            && ticket.History.Settled().LastOrDefault(h => h.Event == "TicketCompleted") is { } completion
            && machine.RunningAgainAfter(completion) is { } running)
        {
            var resolved = new ResolutionObserved(ticket.Id, "chain", running.TransactionHash, running.At);
            events.Add(resolved);
            ticket = ticket.Apply(resolved);
        }
        var sla = SlaClocks.Compute(ticket, options.Sla.For(ticket.Kind), now);
        foreach (var clock in new[] { sla.Accept, sla.Resolution })
        {
            if (clock.ElapsedSeconds <= clock.TargetSeconds || ticket.Breaches.Any(b => b.Clock == clock.Clock)) continue;
            // A clock that stopped late is recorded when it stopped; a running one now.
            events.Add(new SlaBreached(ticket.Id, ticket.MachineId, ticket.Seq, ticket.Kind, clock.Clock, clock.TargetSeconds, clock.ElapsedSeconds,
                ticket.FinalAssignee, clock.StoppedAt ?? now));
        }
        var settled = ticket.Status == TicketStatus.Failed || (sla.Accept.Started && !sla.Accept.Running && !sla.Resolution.Running);
        if (settled && ticket.History.All(h => h.Status != FactStatus.Observed)) events.Add(new SlaSettled(ticket.Id, now));
        return events;
    }
}
