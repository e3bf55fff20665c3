using MaaS.Maintenance.Machines;
using MaaS.Maintenance.Tickets;
using Marten;
using MassTransit;
using Contract = MaaS.Contracts.Telemetry;

namespace MaaS.Maintenance.Sla;

/// <summary>
/// Telemetry saw the machine run again after a failure: that stops the resolution clock of the machine's latest ticket,
/// at the reading's own time, if the reading comes after the completion (a machine running before the maintainer
/// reported the work done was not repaired by it). Whichever of telemetry and the chain (a final MachineStarted, see
/// <see cref="SlaSweeper"/>) comes first stops the clock; the other changes nothing.
/// </summary>
public sealed class MachineRunningAgainConsumer(IDocumentStore store, ILogger<MachineRunningAgainConsumer> logger) : IConsumer<Contract.MachineRunningAgain>
{
    public async Task Consume(ConsumeContext<Contract.MachineRunningAgain> context)
    {
        var running = context.Message;
        var ct = context.CancellationToken;
        await using var session = store.LightweightSession();
        var latest = await MachineLookup.LatestTicketAsync(session, running.MachineId, ct);
        // Decided on the stream as fetched for writing: a concurrent append (the follower, the sweeper) fails the save, the
        // bus retries the message, and the second look decides again.
        var stream = latest is null ? null : await session.Events.FetchForWriting<TicketDetails>(latest.Id, ct);
        if (Decide(stream?.Aggregate, running) is not { } resolved)
        {
            logger.LogInformation("Machine {Machine} runs again (reading {Seq}); no completed ticket waits for it", running.MachineId, running.Seq);
            return;
        }
        stream!.AppendOne(resolved);
        await session.SaveChangesAsync(ct);
        logger.LogInformation("Ticket {Ticket}: machine {Machine} runs again from telemetry (reading {Seq})", resolved.TicketId, running.MachineId, running.Seq);
    }

    /// <summary>The resolution a running-again reading proves for the ticket (pure): none before the completion, none twice.</summary>
    public static ResolutionObserved? Decide(TicketDetails? ticket, Contract.MachineRunningAgain running)
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(running.TimestampMs);
        return ticket is { RunningAgainAt: null, CompletedAt: { } completed, Status: TicketStatus.Completed or TicketStatus.Closed } && at >= completed
            ? new ResolutionObserved(ticket.Id, "telemetry", null, at)
            : null;
    }
}

/// <summary>One message at a time, like the failures that open tickets: the ticket's stream is appended to by one consumer.</summary>
public sealed class MachineRunningAgainConsumerDefinition : ConsumerDefinition<MachineRunningAgainConsumer>
{
    public MachineRunningAgainConsumerDefinition() => ConcurrentMessageLimit = 1;
}
