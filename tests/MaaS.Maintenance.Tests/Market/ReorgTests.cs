using MaaS.Chain.Contracts;
using MaaS.Maintenance.Tests.Fixtures;
using MaaS.ServiceDefaults.ChainFacts;
using MaaS.ServiceDefaults.Operations;
using Shouldly;
using Contract = MaaS.Contracts.Maintenance;

namespace MaaS.Maintenance.Tests.Market;

/// <summary>The winner is taken from chain order at finality: an acceptance that was mined and then reorged away never becomes work.</summary>
[Collection(MarketCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ReorgTests(MarketFixture market)
{
    [Fact]
    public async Task AReorgRemovesAMinedAcceptance_ThatMaintainerNeverStartsWork_AndTheAcceptanceThatReplacedItWins()
    {
        const string model = "REORG-1";
        var (a, customer) = (market.MaintainerA, market.Customer);
        // A maintainer that has sent nothing through the Maintenance service: the test signs its acceptance itself.
        var standby = await market.JoinAsync("maintainer", "Standby Services");
        await market.DisableWatchdogsAsync();
        await Task.WhenAll(market.AccreditAsync(a, model), market.AccreditAsync(standby, model));
        var machineId = await market.ProvisionAsync(customer, model);
        await market.SetWatchdogAsync(a, MarketFixture.Rules(model, accept: true));

        Guid ticketId;
        FactOf acceptance;
        string replacement;
        market.Chain.Ticking = false;
        try
        {
            // No blocks but the transactions' own: A's acceptance is the head block, k = 2 blocks short of final.
            (ticketId, _) = await market.OpenTicketAsync(customer, MarketFixture.Fcfs(machineId));
            var observed = await market.WaitForTicketAsync(customer, ticketId, t => t.Ticket.Assignee == a.Account, "A's acceptance to be observed");
            var fact = observed.Ticket.History.Single(h => h.Event == "TicketAccepted");
            acceptance = new FactOf(fact.Block, fact.TransactionHash);
            fact.Status.ShouldBe(FactStatus.Observed);
            (await market.Chain.HeadAsync()).ShouldBe(fact.Block);
            observed.Ticket.FinalAssignee.ShouldBeNull();
            // Long enough for the watchdog to start work, were it to go by what it observed.
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            var waiting = await market.TicketAsync(customer, ticketId);
            waiting.Ticket.WorkStartedBy.ShouldBeEmpty();
            waiting.Ticket.FinalAssignee.ShouldBeNull();

            // The block is replaced by one at the same height that holds the standby maintainer's acceptance instead.
            var raw = await market.Chain.SignAsync(market.Chain.Registry.AcceptTicket("", standby.Account, Bytes32.FromGuid(machineId), observed.Ticket.Seq));
            await market.Chain.ReorgAsync(1, (raw, 0));
            replacement = ChainTools.HashOf(raw);
            (await market.Chain.ReceiptAsync(replacement)).ShouldNotBeNull().Block.ShouldBe(fact.Block);
        }
        finally
        {
            market.Chain.Ticking = true;
        }

        var settled = await market.WaitForTicketAsync(customer, ticketId,
            t => t.Ticket.FinalAssignee is not null && t.Ticket.WorkStartedBy.Count > 0 && t.Ticket.BackOffs.Count > 0, "the replacing acceptance to be final", 120);
        settled.Ticket.FinalAssignee.ShouldBe(standby.Account);
        settled.Ticket.History.Where(h => h.Event == "TicketAccepted").Select(h => (h.Actor, h.Status, h.TransactionHash)).ShouldBe([
            (a.Account, FactStatus.Retracted, acceptance.TransactionHash), (standby.Account, FactStatus.Final, replacement),
        ]);
        settled.Ticket.WorkStartedBy.ShouldBe([standby.Account]);
        settled.Ticket.BackOffs.ShouldHaveSingleItem().Maintainer.ShouldBe(a.Account);

        // A's transaction went back to the node after the reorg, and failed there: the ticket was taken.
        var operation = await market.OperationAsync(settled.Ticket.Operations.Single(o => o.Command == "accept").OperationId);
        operation.Status.ShouldBe(OperationStatus.Failed);
        (await market.Chain.LedgerAsync($"maintenance/{operation.Id}/")).ShouldHaveSingleItem();

        // Only the final acceptance went out: nobody was ever told that A won.
        await Eventually.TrueAsync(() => Task.FromResult(market.Events.All<Contract.TicketAccepted>().Any(e => e.TicketId == ticketId)), "TicketAccepted on the bus");
        await Task.Delay(TimeSpan.FromSeconds(1));
        market.Events.All<Contract.TicketAccepted>().Where(e => e.TicketId == ticketId).Select(e => e.Maintainer).Distinct().ShouldBe([standby.Account]);

        // And the ticket carries on with the real winner.
        var completion = await market.TicketCommandAsync(standby, ticketId, "completion", new { report = "Done by the standby crew." });
        await market.WaitForOperationAsync(standby, completion.Id);
    }

    private sealed record FactOf(long Block, string TransactionHash);
}
