using System.Net;
using MaaS.Maintenance.Sla;
using MaaS.Maintenance.Tests.Fixtures;
using MaaS.Maintenance.Tickets;
using Shouldly;
using Contract = MaaS.Contracts.Maintenance;

namespace MaaS.Maintenance.Tests.Market;

/// <summary>
/// SLA clocks on real time: preventive tickets here must be accepted within 3 s and resolved within 8 s (fixture
/// configuration). A pause stops the clock; each breach is recorded and published once.
/// </summary>
[Collection(MarketCollection.Name)]
[Trait("Category", "Integration")]
public sealed class SlaTests(MarketFixture market)
{
    [Fact]
    public async Task TheClockStopsWhileTheTicketWaitsOnParts_AndEachBreachIsPublishedOnce()
    {
        const string model = "SLA-1";
        var (a, customer) = (market.MaintainerA, market.Customer);
        await market.DisableWatchdogsAsync();
        await market.AccreditAsync(a, model);
        var machineId = await market.ProvisionAsync(customer, model);

        var (ticketId, opening) = await market.OpenTicketAsync(customer, MarketFixture.Fcfs(machineId, kind: "preventive", description: "Yearly service due"));
        await market.WaitForOperationAsync(customer, opening.Id);

        // Nobody takes it within 3 s: the accept clock is breached, once.
        var late = await market.WaitForTicketAsync(customer, ticketId, t => t.Ticket.Breaches.Any(b => b.Clock == SlaClock.Accept), "the accept clock to be breached", 30);
        late.Sla.Accept.Breached.ShouldBeTrue();
        late.Sla.Accept.Running.ShouldBeTrue();
        late.Ticket.Breaches.Single().TargetSeconds.ShouldBe(MarketFixture.PreventiveAcceptTarget.TotalSeconds);

        await market.WaitForOperationAsync(a, (await market.TicketCommandAsync(a, ticketId, "accept")).Id);
        var accepted = await market.WaitForTicketAsync(a, ticketId, t => t.Ticket.FinalAssignee == a.Account);
        accepted.Sla.Accept.Running.ShouldBeFalse();
        accepted.Sla.Resolution.Running.ShouldBeTrue();

        // Who may stop the clock: the customer and the assigned maintainer, not the OEM; and only when it runs.
        using (var byOem = await market.As(market.Oem).PostJsonAsync($"/api/maintenance/tickets/{ticketId}/pause", new { reason = "waitingOnCustomer" }))
            await byOem.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        using (var notPaused = await market.As(customer).PostJsonAsync($"/api/maintenance/tickets/{ticketId}/resume", null))
            await notPaused.ShouldBeProblemAsync(HttpStatusCode.Conflict, "not-paused");
        using (var invalid = await market.As(a).PostJsonAsync($"/api/maintenance/tickets/{ticketId}/pause", new { reason = "coffeeBreak" }))
            await invalid.ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        using var paused = await market.As(a).PostJsonAsync($"/api/maintenance/tickets/{ticketId}/pause", new { reason = "waitingOnParts", note = "Bearing ordered" });
        var whilePaused = await paused.ReadAsync<SlaView>(HttpStatusCode.OK);
        whilePaused.Resolution.Paused.ShouldBeTrue();
        using (var twice = await market.As(customer).PostJsonAsync($"/api/maintenance/tickets/{ticketId}/pause", new { reason = "waitingOnCustomer" }))
            await twice.ShouldBeProblemAsync(HttpStatusCode.Conflict, "already-paused");
        var before = (await market.TicketAsync(customer, ticketId)).Sla.Resolution;
        await Task.Delay(TimeSpan.FromSeconds(2));
        var after = (await market.TicketAsync(customer, ticketId)).Sla.Resolution;
        after.ElapsedSeconds.ShouldBe(before.ElapsedSeconds, 0.05, "the clock does not move while paused");
        after.PausedSeconds.ShouldBeGreaterThan(before.PausedSeconds + 1.9);

        using (var resumed = await market.As(customer).PostJsonAsync($"/api/maintenance/tickets/{ticketId}/resume", null))
            (await resumed.ReadAsync<SlaView>(HttpStatusCode.OK)).Resolution.Paused.ShouldBeFalse();

        // The resolution clock passes 8 s of unpaused time: breached once, later than it would have been without the pause.
        var breached = await market.WaitForTicketAsync(customer, ticketId, t => t.Ticket.Breaches.Any(b => b.Clock == SlaClock.Resolution), "the resolution clock to be breached", 30);
        var pause = breached.Ticket.Pauses.ShouldHaveSingleItem();
        (pause.Reason, pause.Note, pause.By, pause.ResumedBy).ShouldBe((PauseReason.WaitingOnParts, "Bearing ordered", a.MemberId, customer.MemberId));
        var breach = breached.Ticket.Breaches.Single(b => b.Clock == SlaClock.Resolution);
        breach.ElapsedSeconds.ShouldBeGreaterThan(MarketFixture.PreventiveResolutionTarget.TotalSeconds);
        (breach.At - breached.Ticket.OpenedAt!.Value).ShouldBeGreaterThan(MarketFixture.PreventiveResolutionTarget + (pause.To!.Value - pause.From));

        await Eventually.TrueAsync(() => Task.FromResult(market.Events.All<Contract.MaintenanceSlaBreached>().Count(e => e.TicketId == ticketId) == 2),
            "both breaches on the bus");
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var published = market.Events.Deliveries<Contract.MaintenanceSlaBreached>().Where(d => d.Message.TicketId == ticketId).ToList();
        published.Select(d => d.Message.Clock).ShouldBe(["accept", "resolution"], ignoreOrder: true);
        published.Select(d => d.MessageId).Distinct().Count().ShouldBe(2);
        published.Single(d => d.Message.Clock == "resolution").Message.Maintainer.ShouldBe(a.Account);
        (await market.TicketAsync(customer, ticketId)).Ticket.Breaches.Count.ShouldBe(2);
    }
}
