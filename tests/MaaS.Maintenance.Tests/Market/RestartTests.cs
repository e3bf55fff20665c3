using MaaS.Maintenance.Tests.Fixtures;
using MaaS.Maintenance.Tickets;
using MaaS.ServiceDefaults.ChainFacts;
using Shouldly;
using Contract = MaaS.Contracts.Maintenance;

namespace MaaS.Maintenance.Tests.Market;

/// <summary>The Maintenance service dies in the middle of the loop, twice: nothing is lost, nothing is sent twice.</summary>
[Collection(MarketCollection.Name)]
[Trait("Category", "Integration")]
public sealed class RestartTests(MarketFixture market)
{
    [Fact]
    public async Task ARestartInTheMiddleOfTheLoop_LosesNothing_AndSendsNothingTwice()
    {
        const string model = "RESTART-1";
        var (a, customer) = (market.MaintainerA, market.Customer);
        await market.DisableWatchdogsAsync();
        await market.AccreditAsync(a, model);
        var machineId = await market.ProvisionAsync(customer, model);
        await market.SetWatchdogAsync(a, MarketFixture.Rules(model, accept: true));
        var before = (Customer: await market.Chain.LedgerCountAsync(customer.Account), Maintainer: await market.Chain.LedgerCountAsync(a.Account));
        var nonce = await market.Chain.NonceAsync(customer.Account);

        // 1. The ticket's transaction is signed and stored, then the node is unreachable and the service dies before sending it.
        market.Relay.AllowTransactions(0);
        Guid ticketId;
        try
        {
            (ticketId, var opening) = await market.OpenTicketAsync(customer, MarketFixture.Fcfs(machineId));
            (await market.Chain.LedgerAsync($"maintenance/{opening.Id}/")).ShouldHaveSingleItem().Status.ShouldBe("Signed");
            await market.RestartMaintenanceAsync(whileDown: async () =>
            {
                (await market.Chain.NonceAsync(customer.Account)).ShouldBe(nonce, "the node never saw the ticket's transaction");
                market.Relay.AllowAllTransactions();
            });
        }
        finally
        {
            market.Relay.AllowAllTransactions();
        }

        // The new instance sends the stored transaction; its follower sees the ticket; A's watchdog takes it.
        var accepted = await market.WaitForTicketAsync(customer, ticketId, t => t.Ticket.FinalAssignee == a.Account && t.Ticket.WorkStartedBy.Count == 1, "A to take the ticket");

        // 2. A restart between the acceptance and the completion.
        await market.RestartMaintenanceAsync();
        await market.WaitForOperationAsync(a, (await market.TicketCommandAsync(a, ticketId, "completion", new { report = "Fixed across two restarts." })).Id);
        await market.WaitForTicketAsync(customer, ticketId, t => t.Ticket.Status == TicketStatus.Completed);
        await market.WaitForOperationAsync(customer, (await market.TicketCommandAsync(customer, ticketId, "close")).Id);
        var closed = await market.WaitForTicketAsync(customer, ticketId, t => t.Ticket.FinalStatus == TicketStatus.Closed && t.Ticket.History.All(h => h.Status == FactStatus.Final));

        // One ledger row per operation step, one transaction per command, one fact per transition.
        closed.Ticket.Operations.Select(o => o.Command).ShouldBe(["open", "accept", "complete", "close"]);
        foreach (var operation in closed.Ticket.Operations)
            (await market.Chain.LedgerAsync($"maintenance/{operation.OperationId}/")).Count.ShouldBe(1, $"{operation.Command}: one row per step");
        (await market.Chain.LedgerCountAsync(customer.Account)).ShouldBe(before.Customer + 2);
        (await market.Chain.LedgerCountAsync(a.Account)).ShouldBe(before.Maintainer + 2);
        closed.Ticket.History.Select(h => h.Event).ShouldBe(["TicketOpened", "TicketAccepted", "TicketCompleted", "TicketClosed"]);
        closed.Ticket.WorkStartedBy.ShouldBe([a.Account]);
        accepted.Ticket.Operations.Single(o => o.Command == "accept").ByWatchdog.ShouldBeTrue();

        await Eventually.TrueAsync(() => Task.FromResult(market.Events.All<Contract.TicketClosed>().Any(e => e.TicketId == ticketId)), "TicketClosed on the bus");
        market.Events.Deliveries<Contract.TicketOpened>().Where(d => d.Message.TicketId == ticketId).Select(d => d.MessageId).Distinct().Count().ShouldBe(1);
        market.Events.Deliveries<Contract.TicketAccepted>().Where(d => d.Message.TicketId == ticketId).Select(d => d.MessageId).Distinct().Count().ShouldBe(1);
    }
}
