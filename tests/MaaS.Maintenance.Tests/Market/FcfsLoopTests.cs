using MaaS.Contracts.Telemetry;
using MaaS.Maintenance.Tests.Fixtures;
using MaaS.Maintenance.Tickets;
using MaaS.Maintenance.TrackRecords;
using MaaS.ServiceDefaults.ChainFacts;
using MaaS.ServiceDefaults.Operations;
using Shouldly;
using Contract = MaaS.Contracts.Maintenance;
using MachineState = MaaS.Machines.Machines.MachineState;

namespace MaaS.Maintenance.Tests.Market;

/// <summary>The paper's Figure 4 loop, first come first served: failure → ticket → two watchdogs race → complete → close → running again.</summary>
[Collection(MarketCollection.Name)]
[Trait("Category", "Integration")]
public sealed class FcfsLoopTests(MarketFixture market)
{
    [Fact]
    public async Task FailureOpensATicket_TwoWatchdogsRaceInOneBlock_ExactlyOneWinsAtFinality_TheLoserBacksOff_AndTheLoopCloses()
    {
        const string model = "LOOP-1";
        var (a, b, customer) = (market.MaintainerA, market.MaintainerB, market.Customer);
        await market.DisableWatchdogsAsync();
        await Task.WhenAll(market.AccreditAsync(a, model), market.AccreditAsync(b, model));
        var machineId = await market.ProvisionAsync(customer, model);
        await market.SetWatchdogAsync(a, MarketFixture.Rules(model, accept: true));
        await market.SetWatchdogAsync(b, MarketFixture.Rules(model, accept: true));
        var ledgerBefore = new Dictionary<string, long> { [a.Account] = await market.Chain.LedgerCountAsync(a.Account), [b.Account] = await market.Chain.LedgerCountAsync(b.Account) };

        // Blocks only when the test says so: the ticket opens in one block, both acceptances land together in the next. Each
        // watchdog's simulation passes on its own (as on two members' nodes): the relay holds their signed transactions back
        // until both exist, so neither simulation sees the other's transaction.
        Guid ticketId;
        var failure = new MachineFailureDetected(machineId, "malfunctioning", 42, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow);
        market.Chain.Ticking = false;
        await market.Chain.SetAutomineAsync(false);
        market.Relay.AllowTransactions(1);
        try
        {
            await market.Events.PublishAsync(failure);
            await market.Events.PublishAsync(failure);
            ticketId = (await market.WaitForTicketOfAsync(machineId)).Id;
            var opening = (await market.TicketAsync(customer, ticketId)).Ticket.Operations.ShouldHaveSingleItem();
            opening.Command.ShouldBe("open");
            await Eventually.TrueAsync(async () => (await market.Chain.LedgerAsync($"maintenance/{opening.OperationId}/")) is [{ Status: "Submitted" }],
                "the ticket's transaction to reach the node");
            await market.Chain.MineAsync();

            var acceptances = new[] { a, b }.Select(m => $"maintenance/{TicketIds.Operation($"watchdog/accept/{ticketId}/{m.Account}")}/0").ToArray();
            await Eventually.TrueAsync(async () => (await Task.WhenAll(acceptances.Select(market.Chain.LedgerAsync))).All(rows => rows.Count == 1),
                "both watchdogs to sign their acceptance");
            market.Relay.AllowAllTransactions();
            await Eventually.TrueAsync(async () => (await Task.WhenAll(acceptances.Select(market.Chain.LedgerAsync))).All(rows => rows is [{ Status: "Submitted" }]),
                "both acceptances to reach the node");
            await market.Chain.MineAsync();
        }
        finally
        {
            market.Relay.AllowAllTransactions();
            await market.Chain.SetAutomineAsync(true);
            market.Chain.Ticking = true;
        }

        // The winner is whoever came first in the block, known once that block is final; the loser's acceptance failed on chain.
        var won = await market.WaitForTicketAsync(customer, ticketId, t => t.Ticket.FinalAssignee is not null && t.Ticket.BackOffs.Count == 1 && t.Ticket.WorkStartedBy.Count == 1,
            "a final winner, a loser that backed off and work started");
        var winner = won.Ticket.FinalAssignee == a.Account ? a : b;
        var loser = winner == a ? b : a;
        won.Ticket.FinalAssignee.ShouldBeOneOf(a.Account, b.Account);
        won.Ticket.WorkStartedBy.ShouldBe([winner.Account]);
        var backOff = won.Ticket.BackOffs.ShouldHaveSingleItem();
        (backOff.Maintainer, backOff.Action).ShouldBe((loser.Account, "accept"));
        backOff.Reason.ShouldStartWith($"TicketAlreadyTaken: {winner.Account} was first in chain order");
        var winnerOperation = await market.OperationAsync(TicketIds.Operation($"watchdog/accept/{ticketId}/{winner.Account}"));
        var loserOperation = await market.OperationAsync(TicketIds.Operation($"watchdog/accept/{ticketId}/{loser.Account}"));
        winnerOperation.Status.ShouldBe(OperationStatus.Final);
        loserOperation.Status.ShouldBe(OperationStatus.Failed);
        // (The ledger replays a mined failure on the state before its block, where the ticket was still open, so it cannot name the error.)
        loserOperation.Error.ShouldNotBeNull().ShouldBeOneOf("OutOfGasOrStateChanged", $"TicketAlreadyTaken(maintainer={winner.Account})");
        var lost = (await market.Chain.ReceiptAsync(loserOperation.Steps[0].TransactionHash!)).ShouldNotBeNull();
        lost.Succeeded.ShouldBeFalse();
        lost.Block.ShouldBe(winnerOperation.Steps[0].Block!.Value, "both acceptances were mined in the same block");

        // A second, different failure while the ticket is active is noted on it, not made a second ticket.
        await market.Events.PublishAsync(new MachineFailureDetected(machineId, "stopped", null, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow));
        await market.WaitForTicketAsync(customer, ticketId, t => t.Ticket.Failures.Count == 1, "the second failure noted on the ticket");
        // The Machines service stops the machine on MachineFailureDetected, with the customer's key.
        await market.EnsureMachineAsync(customer, machineId, MachineState.Stopped);

        var completion = await market.TicketCommandAsync(winner, ticketId, "completion", new { report = "Replaced the spindle bearing; 30 min test cycle OK." });
        await market.WaitForOperationAsync(winner, completion.Id);
        await market.WaitForTicketAsync(customer, ticketId, t => t.Ticket.FinalStatus == TicketStatus.Completed);
        var closing = await market.TicketCommandAsync(customer, ticketId, "close");
        await market.WaitForOperationAsync(customer, closing.Id);
        await market.WaitForTicketAsync(customer, ticketId, t => t.Ticket.FinalStatus == TicketStatus.Closed);
        await Eventually.TrueAsync(() => Task.FromResult(market.Events.All<Contract.TicketClosed>().Any(e => e.TicketId == ticketId)), "TicketClosed on the bus");
        // The Machines service resets and starts the machine on TicketClosed, with the customer's key.
        await market.EnsureMachineAsync(customer, machineId, MachineState.Executed);

        var closed = await market.WaitForTicketAsync(customer, ticketId, t => t.Ticket.RunningAgainAt is not null && t.Ticket.SlaSettled, "the machine to run again");
        closed.Sla.Resolution.Running.ShouldBeFalse();
        closed.Sla.Accept.Running.ShouldBeFalse();
        closed.Ticket.RunningAgainAt!.Value.ShouldBeGreaterThan(closed.Ticket.ClosedAt!.Value);
        closed.Ticket.ReportCid.ShouldNotBeNull().ShouldStartWith("Qm");
        closed.Ticket.DescriptionCid.ShouldNotBeNull().ShouldStartWith("Qm");

        // The history is the chain's, every fact final, each with the transaction of the operation that caused it.
        var facts = closed.Ticket.History.Where(h => h.Status != FactStatus.Retracted).ToList();
        facts.Select(h => h.Event).ShouldBe(["TicketOpened", "TicketAccepted", "TicketCompleted", "TicketClosed"]);
        facts.ShouldAllBe(h => h.Status == FactStatus.Final && h.FinalAt != null);
        var byId = closed.Operations.ToDictionary(o => o.Id);
        facts.Select(h => h.TransactionHash).ShouldBe([
            byId[closed.Ticket.Operations.Single(o => o.Command == "open").OperationId].Steps[0].TransactionHash!,
            winnerOperation.Steps[0].TransactionHash!, byId[completion.Id].Steps[0].TransactionHash!, byId[closing.Id].Steps[0].TransactionHash!,
        ]);
        closed.Operations.Count.ShouldBe(5);
        closed.Operations.Where(o => o.Status == OperationStatus.Final).ShouldAllBe(o => o.Steps[0].GasUsed > 21_000 && o.Steps[0].FinalAt >= o.Steps[0].MinedAt);

        // Nothing sent twice: one ticket for the failure, one acceptance per maintainer, no retries by the loser.
        (await market.As(customer).GetAsync<List<Tickets.Reading.TicketSummary>>("/api/maintenance/tickets?status=all")).Count(t => t.MachineId == machineId).ShouldBe(1);
        (await market.Chain.LedgerCountAsync(loser.Account)).ShouldBe(ledgerBefore[loser.Account] + 1);
        (await market.Chain.LedgerCountAsync(winner.Account)).ShouldBe(ledgerBefore[winner.Account] + 2);

        // Integration events at finality, the acceptance only for the winner.
        await Eventually.TrueAsync(() => Task.FromResult(market.Events.All<Contract.TicketCompleted>().Any(e => e.TicketId == ticketId)), "TicketCompleted on the bus");
        market.Events.Deliveries<Contract.TicketOpened>().Where(d => d.Message.TicketId == ticketId).Select(d => d.MessageId).Distinct().Count().ShouldBe(1);
        market.Events.All<Contract.TicketAccepted>().Where(e => e.TicketId == ticketId).Select(e => e.Maintainer).Distinct().ShouldBe([winner.Account]);
        var opened = market.Events.All<Contract.TicketOpened>().First(e => e.TicketId == ticketId);
        (opened.Kind, opened.Mode, opened.TransactionHash).ShouldBe(("repair", "fcfs", facts[0].TransactionHash));

        var record = await market.As(customer).GetAsync<TrackRecordView>($"/api/maintenance/maintainers/{winner.MemberId}/track-record");
        record.Assigned.ShouldBeGreaterThanOrEqualTo(1);
        record.Closed.ShouldBeGreaterThanOrEqualTo(1);
        record.TimeToAccept.Count.ShouldBeGreaterThanOrEqualTo(1);
        record.TimeToResolution.Count.ShouldBeGreaterThanOrEqualTo(1);

        // The same failure delivered once more, long after: still that one ticket.
        await market.Events.PublishAsync(failure);
        await Task.Delay(TimeSpan.FromSeconds(2));
        (await market.As(customer).GetAsync<List<Tickets.Reading.TicketSummary>>("/api/maintenance/tickets?status=all")).Count(t => t.MachineId == machineId).ShouldBe(1);
    }
}
