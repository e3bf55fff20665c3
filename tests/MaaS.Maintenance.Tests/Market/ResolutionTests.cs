using MaaS.Contracts.Telemetry;
using MaaS.Maintenance.Tests.Fixtures;
using MaaS.Maintenance.Tickets;
using Shouldly;
using MachineState = MaaS.Machines.Machines.MachineState;

namespace MaaS.Maintenance.Tests.Market;

/// <summary>
/// The resolution clock stopped by telemetry: the machine stays stopped on chain (so the chain has nothing to say), and the
/// Telemetry service's <c>MachineRunningAgain</c> — published here as Telemetry would — stops it at the reading's time,
/// but only for a reading after the completion.
/// </summary>
[Collection(MarketCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ResolutionTests(MarketFixture market)
{
    [Fact]
    public async Task MachineRunningAgain_AfterTheCompletion_StopsTheResolutionClockAtTheReadingsTime()
    {
        const string model = "RUN-1";
        var (a, customer) = (market.MaintainerA, market.Customer);
        await market.DisableWatchdogsAsync();
        await market.AccreditAsync(a, model);
        var machineId = await market.ProvisionAsync(customer, model);

        var (ticketId, opening) = await market.OpenTicketAsync(customer, MarketFixture.Fcfs(machineId));
        await market.WaitForOperationAsync(customer, opening.Id);
        // The operation is final before the ticket's read model has the chain fact; accepting earlier is a 409 (Requested).
        await market.WaitForTicketAsync(customer, ticketId, t => t.Ticket.Status == TicketStatus.Open);
        await market.WaitForOperationAsync(a, (await market.TicketCommandAsync(a, ticketId, "accept")).Id);
        await market.WaitForTicketAsync(a, ticketId, t => t.Ticket.FinalAssignee == a.Account);
        await market.MachineCommandAsync(customer, machineId, "stop");

        // Running before the work is reported done: not this maintainer's resolution.
        var early = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await market.Events.PublishAsync(new MachineRunningAgain(machineId, 41, early, DateTimeOffset.UtcNow));
        await market.WaitForOperationAsync(a, (await market.TicketCommandAsync(a, ticketId, "completion", new { report = "Cleaned the coolant pump." })).Id);
        var completed = await market.WaitForTicketAsync(customer, ticketId, t => t.Ticket.FinalStatus == TicketStatus.Completed);
        completed.Ticket.CompletedAt!.Value.ToUnixTimeMilliseconds().ShouldBeGreaterThan(early);
        (await market.WaitForMachineAsync(customer, machineId, m => m.FinalState == MachineState.Stopped)).FinalState.ShouldBe(MachineState.Stopped);

        var later = completed.Ticket.CompletedAt!.Value.AddSeconds(5);
        await market.Events.PublishAsync(new MachineRunningAgain(machineId, 42, later.ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow));

        var resolved = await market.WaitForTicketAsync(customer, ticketId, t => t.Ticket.RunningAgainAt is not null, "the machine to run again");
        resolved.Ticket.ResolutionSource.ShouldBe("telemetry");
        resolved.Ticket.RunningAgainAt.ShouldBe(DateTimeOffset.FromUnixTimeMilliseconds(later.ToUnixTimeMilliseconds()), "the running reading after the completion, not the one before it");
        resolved.Sla.Resolution.Running.ShouldBeFalse();
        resolved.Sla.Resolution.StoppedAt.ShouldBe(resolved.Ticket.RunningAgainAt);
        await market.WaitForTicketAsync(customer, ticketId, t => t.Ticket.SlaSettled, "the SLA to settle");
    }
}
