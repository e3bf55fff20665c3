using System.Net;
using MaaS.Maintenance.Tests.Fixtures;
using MaaS.Maintenance.Tickets;
using MaaS.Maintenance.Tickets.Reading;
using MaaS.Maintenance.Watchdogs;
using Shouldly;
using Contract = MaaS.Contracts.Maintenance;

namespace MaaS.Maintenance.Tests.Market;

/// <summary>Who sees which tickets, and who configures which watchdog.</summary>
[Collection(MarketCollection.Name)]
[Trait("Category", "Integration")]
public sealed class VisibilityTests(MarketFixture market)
{
    [Fact]
    public async Task EachMemberListsTheTicketsItMaySee()
    {
        const string model = "VIS-1";
        var (a, customer) = (market.MaintainerA, market.Customer);
        await market.DisableWatchdogsAsync();
        await market.AccreditAsync(a, model);
        var machineId = await market.ProvisionAsync(customer, model);
        var (ticketId, opening) = await market.OpenTicketAsync(customer, MarketFixture.Fcfs(machineId));
        await market.WaitForOperationAsync(customer, opening.Id);
        await market.WaitForTicketAsync(customer, ticketId, t => t.Ticket.FinalStatus == TicketStatus.Open);

        foreach (var member in new[] { customer, market.Oem, a, market.Operator })
        {
            (await ListAsync(member, "open")).ShouldContain(t => t.Id == ticketId, member.Name);
            (await market.TicketAsync(member, ticketId)).Ticket.Id.ShouldBe(ticketId);
        }
        foreach (var member in new[] { market.OtherCustomer, market.Outsider })
        {
            (await ListAsync(member, "all")).ShouldNotContain(t => t.Id == ticketId, member.Name);
            using var hidden = await market.As(member).GetAsync($"/api/maintenance/tickets/{ticketId}");
            await hidden.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        }
        using (var bad = await market.As(customer).GetAsync("/api/maintenance/tickets?status=someday"))
            await bad.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "invalid-status-filter");
        var listed = (await ListAsync(customer, null)).Single(t => t.Id == ticketId);
        (listed.MachineId, listed.Customer, listed.Oem, listed.Model, listed.Region, listed.Mode).ShouldBe(
            (machineId, customer.Account, market.Oem.Account, model, MarketFixture.Region, SelectionMode.Fcfs));

        // Cancelled: no longer active, still in the full list; the bus hears of it at finality.
        await market.WaitForOperationAsync(customer, (await market.TicketCommandAsync(customer, ticketId, "cancel")).Id);
        await market.WaitForTicketAsync(customer, ticketId, t => t.Ticket.FinalStatus == TicketStatus.Cancelled && t.Ticket.SlaSettled);
        (await ListAsync(customer, null)).ShouldNotContain(t => t.Id == ticketId);
        (await ListAsync(customer, "all")).ShouldContain(t => t.Id == ticketId && t.Status == TicketStatus.Cancelled);
        await Eventually.TrueAsync(() => Task.FromResult(market.Events.All<Contract.TicketCancelled>().Any(e => e.TicketId == ticketId)), "TicketCancelled on the bus");
    }

    [Fact]
    public async Task AMaintainerHostedHereSetsItsOwnWatchdog_OthersCannot()
    {
        var a = market.MaintainerA;
        using (var byCustomer = await market.As(market.Customer).PutJsonAsync("/api/maintenance/watchdogs/me", MarketFixture.Rules("ANY")))
            await byCustomer.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        using (var invalid = await market.As(a).PutJsonAsync("/api/maintenance/watchdogs/me", MarketFixture.Rules("ANY") with { Capacity = -1 }))
            (await invalid.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation")).GetProperty("errors").GetProperty("Capacity").GetArrayLength().ShouldBe(1);

        var rules = MarketFixture.Rules("WD-1", accept: true, bid: true, price: 12_345, eta: 4_321, capacity: 2) with { Regions = [7, 9], Kinds = [TicketKind.Repair] };
        var set = await market.SetWatchdogAsync(a, rules);
        set.Policy.Rules.Models.ShouldBe(["WD-1"]);
        set.Policy.Rules.Regions.ShouldBe([(ushort)7, (ushort)9]);
        set.Policy.Account.ShouldBe(a.Account);
        using var read = await market.As(a).GetAsync("/api/maintenance/watchdogs/me");
        var status = await read.ReadAsync<WatchdogStatus>(HttpStatusCode.OK);
        status.Policy.Rules.Price.Repair.ShouldBe(12_345ul);
        status.Policy.Rules.Capacity.ShouldBe(2);
        read.Headers.ETag!.ToString().ShouldBe($"\"{status.Policy.Revision}\"");
        using (var stale = await market.As(a).PutJsonAsync("/api/maintenance/watchdogs/me", rules, ifMatch: $"\"{status.Policy.Revision - 1}\""))
            await stale.ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "precondition-failed");
        (await market.SetWatchdogAsync(a, rules with { Enabled = false })).Policy.Revision.ShouldBe(status.Policy.Revision + 1);
    }

    private async Task<List<TicketSummary>> ListAsync(TestMember member, string? status) =>
        await market.As(member).GetAsync<List<TicketSummary>>("/api/maintenance/tickets" + (status is null ? "" : $"?status={status}"));
}
