using System.Text.Json;
using MaaS.Chain.Contracts;
using MaaS.Maintenance.Machines;
using MaaS.OffChain;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Marten;

namespace MaaS.Maintenance.Tickets.Opening;

/// <summary>What a customer (or a failure on its behalf) asks for: the machine, the kind, how the maintainer is chosen, and why.</summary>
public sealed record TicketOpening(Guid MachineId, TicketKind Kind, SelectionMode Mode, AuctionTerms Terms, string Description, TicketFailure? Failure = null);

/// <summary>The telemetry failure that opens a ticket by itself; <see cref="Key"/> makes the ticket once per failure.</summary>
public sealed record TicketFailure(string Key, string Reason, long? ReadingSeq, long TimestampMs, DateTimeOffset DetectedAt);

/// <summary>
/// Opens a ticket on chain with the customer's key: <c>MachineRegistry.openTicket</c> (first come, first served) or
/// <c>Maintenance.openAuction</c> (bidding, sealed bidding). The description is stored off-chain; its CID goes on chain.
/// </summary>
public sealed class TicketOpener(
    IDocumentStore store, IMachineRegistry registry, IMaintenanceMarket market, IOffChainStore offChain, TicketCommands commands, OperationRunner operations,
    TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <param name="known">The machine and its newest ticket when the caller has just read them (a failure's consumer), so they are not read twice.</param>
    public async Task<OperationView> OpenAsync(
        Guid operationId, MemberIdentity customer, TicketOpening opening, CancellationToken ct, (ServicedMachine Machine, TicketDetails? Latest)? known = null)
    {
        ServicedMachine machine;
        await using (var session = store.QuerySession())
        {
            if (await session.LoadAsync<OperationView>(operationId, ct) is { } existing) return existing;
            machine = known?.Machine
                ?? await MachineLookup.LoadAsync(session, registry, opening.MachineId, ct) ?? throw DomainException.NotFound("Machine", opening.MachineId);
            var latest = known is { } given ? given.Latest : await MachineLookup.LatestTicketAsync(session, opening.MachineId, ct);
            TicketDecisions.Decide(TicketCommand.Open, new DecisionContext(customer, machine, latest, false, 0));
        }
        await commands.RequireHostedAsync(customer, ct);

        var id = Bytes32.FromGuid(opening.MachineId);
        // The contract numbers tickets per machine; the one opened now is the next (one active ticket per machine).
        // Reading the chain and storing the description are independent: one waits while the other works.
        var current = registry.TicketAsync(id, ct);
        var stored = offChain.PutAsync(JsonSerializer.SerializeToUtf8Bytes(new
        {
            type = "maas.maintenance.ticket-description/1",
            machineId = opening.MachineId,
            kind = opening.Kind.Name(),
            description = opening.Description,
            failure = opening.Failure is { } f ? new { reason = f.Reason, readingSeq = f.ReadingSeq, timestampMs = f.TimestampMs } : null,
        }, Json), ct);
        var seq = ((await current)?.Seq ?? 0) + 1;
        var ticketId = TicketIds.For(opening.MachineId, seq);
        var description = await stored;

        var step = opening.Mode == SelectionMode.Fcfs
            ? new OperationStep("openTicket", customer.Account, registry.Address,
                registry.OpenTicket("", customer.Account, id, opening.Kind.ToChain(), description.ToDigestBytes()).Data)
            : new OperationStep("openAuction", customer.Account, market.Address, market.OpenAuction("", customer.Account, id, opening.Kind.ToChain(),
                description.ToDigestBytes(), new AuctionParameters(opening.Mode.ToChain(), opening.Terms.Rule.ToChain(), opening.Terms.PriceWeight,
                    opening.Terms.EtaWeight, opening.Terms.MaxBids, opening.Terms.BiddingBlocks, opening.Terms.RevealBlocks)).Data);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operations.StartAsync(operationId, "ticket-open", customer, ticketId.ToString(), [step],
                    async (session, token) => (await session.Events.FetchForWriting<TicketDetails>(ticketId, token)).AppendOne(new TicketOpenRequested(ticketId,
                        opening.MachineId, seq, operationId, customer.MemberId, customer.Account, opening.Kind, opening.Mode, opening.Terms, description.V0,
                        opening.Failure?.Key, clock.GetUtcNow())), ct);
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // On a chain that mines at once, the follower may start the ticket's stream (it saw the transaction mined) between
                // reading it and saving the intent, and the whole save is refused. The transaction is the same by its key: starting
                // again sends nothing and records the intent after the chain fact.
                if (await OperationExistsAsync(operationId, ct)) throw;
            }
        }
    }

    private async Task<bool> OperationExistsAsync(Guid operationId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<OperationView>(operationId, ct) is not null;
    }
}
