using System.Net;
using MaaS.Chain.Contracts;
using MaaS.Chain.Transactions;
using MaaS.Maintenance.Tests.Fixtures;
using Shouldly;
using TicketStatus = MaaS.Maintenance.Tickets.TicketStatus;

namespace MaaS.Maintenance.Tests.Market;

/// <summary>
/// Every wrong actor is refused before a transaction exists (403; 404 to one who may not read the ticket; a wrong state 409): the caller's ledger and nonce do
/// not move. And the contract refuses the same transaction on its own: signed with the member's key and sent without
/// simulation, it is mined as failed with the contract's custom error.
/// </summary>
[Collection(MarketCollection.Name)]
[Trait("Category", "Integration")]
public sealed class RefusalTests(MarketFixture market)
{
    [Fact]
    public async Task WrongActorsAreRefusedBeforeAnyTransaction_AndTheContractsRefuseThemToo()
    {
        const string model = "REF-1";
        var (a, outsider, customer, other, oem) = (market.MaintainerA, market.Outsider, market.Customer, market.OtherCustomer, market.Oem);
        await market.DisableWatchdogsAsync();
        await market.AccreditAsync(a, model);
        var machineId = await market.ProvisionAsync(customer, model);
        var id = Bytes32.FromGuid(machineId);
        var (ticketId, opening) = await market.OpenTicketAsync(customer, MarketFixture.Fcfs(machineId));
        await market.WaitForOperationAsync(customer, opening.Id);
        var seq = (await market.WaitForTicketAsync(customer, ticketId, t => t.Ticket.Status == TicketStatus.Open)).Ticket.Seq;
        var path = $"/api/maintenance/tickets/{ticketId}";
        var registry = market.Chain.Registry;

        // Taking the ticket: the customer, and a maintainer the OEM never accredited.
        await RefusedAsync(customer, $"{path}/accept", null, HttpStatusCode.Forbidden, "forbidden");
        await ContractRefusesAsync(registry.AcceptTicket("", customer.Account, id, seq), "NotAccredited");
        // A maintainer who may not read the ticket is told it does not exist (a 403 would confirm it and name its machine).
        await RefusedAsync(outsider, $"{path}/accept", null, HttpStatusCode.NotFound, "not-found");
        await ContractRefusesAsync(registry.AcceptTicket("", outsider.Account, id, seq), "NotAccredited");
        await RefusedAsync(outsider, $"{path}/bids", new { price = 1, etaSeconds = 60 }, HttpStatusCode.NotFound, "not-found");
        await ContractRefusesAsync(market.Chain.Market.PlaceBid("", outsider.Account, id, seq, 1, 60), "AuctionNotOpen");

        // Opening a ticket on somebody else's machine; cancelling it as the OEM; closing it before it is completed.
        await RefusedAsync(other, "/api/maintenance/tickets", MarketFixture.Fcfs(machineId), HttpStatusCode.Forbidden, "forbidden");
        await ContractRefusesAsync(registry.OpenTicket("", other.Account, id, TicketKind.Repair, Digest()), "NotCustomer");
        await RefusedAsync(oem, $"{path}/cancel", null, HttpStatusCode.Forbidden, "forbidden");
        await ContractRefusesAsync(registry.CancelTicket("", oem.Account, id, seq), "NotCustomer");
        await RefusedAsync(customer, $"{path}/close", null, HttpStatusCode.Conflict, "invalid-ticket-state");
        await ContractRefusesAsync(registry.CloseTicket("", customer.Account, id, seq), "InvalidTicketState");
        await RefusedAsync(customer, "/api/maintenance/tickets", MarketFixture.Fcfs(machineId), HttpStatusCode.Conflict, "ticket-active");
        await ContractRefusesAsync(registry.OpenTicket("", customer.Account, id, TicketKind.Repair, Digest()), "TicketActive");

        await market.WaitForOperationAsync(a, (await market.TicketCommandAsync(a, ticketId, "accept")).Id);
        await market.WaitForTicketAsync(a, ticketId, t => t.Ticket.FinalAssignee == a.Account);

        // Once it is A's: nobody else completes it, A does not accept it twice, and A does not close it.
        await RefusedAsync(outsider, $"{path}/completion", new { report = "not mine" }, HttpStatusCode.NotFound, "not-found");
        await ContractRefusesAsync(registry.CompleteTicket("", outsider.Account, id, seq, Digest()), "NotAssignedMaintainer");
        await RefusedAsync(a, $"{path}/accept", null, HttpStatusCode.Conflict, "invalid-ticket-state");
        await ContractRefusesAsync(registry.AcceptTicket("", a.Account, id, seq), "TicketAlreadyTaken");
        await RefusedAsync(a, $"{path}/close", null, HttpStatusCode.Forbidden, "forbidden");
        await ContractRefusesAsync(registry.CloseTicket("", a.Account, id, seq), "NotCustomer");
        await RefusedAsync(outsider, $"{path}/pause", new { reason = "waitingOnParts" }, HttpStatusCode.NotFound, "not-found");

        // A stale If-Match changes nothing.
        var etag = (await market.As(customer).GetAsync($"{path}")).Headers.ETag!.ToString();
        using (var stale = await market.As(customer).PostJsonAsync($"{path}/cancel", null, ifMatch: "\"1\""))
            await stale.ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "precondition-failed");
        etag.ShouldNotBe("\"1\"");
        await market.WaitForOperationAsync(customer, (await market.TicketCommandAsync(customer, ticketId, "cancel", ifMatch: etag)).Id);
        await market.WaitForTicketAsync(customer, ticketId, t => t.Ticket.FinalStatus == TicketStatus.Cancelled);
    }

    private async Task RefusedAsync(TestMember member, string path, object? body, HttpStatusCode status, string type)
    {
        var ledger = await market.Chain.LedgerCountAsync(member.Account);
        var nonce = await market.Chain.NonceAsync(member.Account);
        using (var response = await market.As(member).PostJsonAsync(path, body))
            await response.ShouldBeProblemAsync(status, type);
        (await market.Chain.LedgerCountAsync(member.Account)).ShouldBe(ledger, $"{member.Name} {path}: nothing recorded");
        (await market.Chain.NonceAsync(member.Account)).ShouldBe(nonce, $"{member.Name} {path}: nothing sent");
    }

    private async Task ContractRefusesAsync(TransactionRequest request, string error)
    {
        var record = await market.Chain.SendUncheckedAsync(request);
        record.Status.ShouldBe(TransactionStatus.Failed);
        record.BlockNumber.ShouldNotBeNull("mined, and failed there");
        record.Error.ShouldNotBeNull().ShouldStartWith(error);
    }

    private static byte[] Digest() => System.Security.Cryptography.SHA256.HashData(Guid.NewGuid().ToByteArray());
}
