using MaaS.Chain.Contracts;
using MaaS.Chain.Transactions;
using MaaS.Maintenance.Machines;
using MaaS.Maintenance.Tickets.Reading;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Hosting;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Nethereum.Web3;
using MemberRoles = MaaS.ServiceDefaults.Identity.MemberRoles;

namespace MaaS.Maintenance.Tickets;

/// <summary>A ticket command as decided: the ticket, its machine and the head block it was decided on.</summary>
public sealed record PreparedCommand(TicketDetails Ticket, ServicedMachine Machine, long Head);

/// <summary>
/// The path every ticket command takes, from a request or a watchdog: load the ticket and its machine, decide (403/409
/// before anything is sent), then one transaction signed with the acting member's key, recorded as an operation and as
/// intent on the ticket's stream.
/// </summary>
public sealed class TicketCommands(
    IDocumentStore store, IMachineRegistry registry, IConsortium consortium, IWeb3 web3, ISigningKeys keys, OperationRunner operations, ServiceIdentity service,
    TimeProvider clock)
{
    private static readonly TicketCommand[] NeedAccreditation = [TicketCommand.Accept, TicketCommand.Bid, TicketCommand.Commit, TicketCommand.Reveal];
    private static readonly TicketCommand[] NeedHead = [TicketCommand.Bid, TicketCommand.Commit, TicketCommand.Reveal, TicketCommand.Award];

    /// <summary>
    /// A request's command: a retried request (same Idempotency-Key) answers the first operation; otherwise decide, build
    /// the transaction from what was decided, and send it with the caller's key.
    /// </summary>
    public async Task<Accepted<OperationView>> SubmitAsync(
        Guid ticketId, TicketCommand command, HttpContext http, Func<PreparedCommand, MemberIdentity, Task<(string To, string Data)>> transaction, CancellationToken ct)
    {
        var caller = http.Member();
        var operationId = http.OperationId(caller);
        var operation = await ExistingAsync(operationId, ct);
        if (operation is null)
        {
            var prepared = await PrepareAsync(ticketId, command, caller, http, ct);
            await RequireHostedAsync(caller, ct);
            var (to, data) = await transaction(prepared, caller);
            operation = await SendAsync(operationId, prepared.Ticket, command, caller, to, data, byWatchdog: false, ct);
        }
        return TypedResults.Accepted(service.Location(operation.Id), operation);
    }

    public async Task<PreparedCommand> PrepareAsync(Guid ticketId, TicketCommand command, MemberIdentity caller, HttpContext? http, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var ticket = await session.LoadAsync<TicketDetails>(ticketId, ct) ?? throw DomainException.NotFound("Ticket", ticketId);
        var machine = await MachineLookup.LoadAsync(session, registry, ticket.MachineId, ct) ?? throw DomainException.NotFound("Ticket", ticketId);
        if (http is not null)
        {
            // A caller who may not read the ticket learns nothing from a command either: not its machine (a 403 naming
            // it), its mode or state (409), nor its version (412). The authorisation matrix test found those answers.
            if (!await TicketVisibility.CanSeeAsync(session, ticket, machine, caller, ct)) throw DomainException.NotFound("Ticket", ticketId);
            TicketETags.Check(http, (await session.Events.FetchStreamStateAsync(ticketId, ct))?.Version ?? 0);
        }
        return await DecideAsync(ticket, machine, command, caller, ct);
    }

    /// <param name="knownAccredited">
    /// The accreditation as this service's projection of the chain knows it (a watchdog's sweep has it at hand); null asks
    /// the chain. Either way the contract checks again when the transaction is simulated.
    /// </param>
    public async Task<PreparedCommand> DecideAsync(
        TicketDetails ticket, ServicedMachine machine, TicketCommand command, MemberIdentity caller, CancellationToken ct, bool? knownAccredited = null)
    {
        var accredited = NeedAccreditation.Contains(command) && caller.Has(MemberRoles.Maintainer)
            && (knownAccredited ?? await consortium.IsAccreditedAsync(machine.Oem, Bytes32.FromAscii(machine.Model), machine.Region, caller.Account, ct));
        var head = NeedHead.Contains(command) ? await HeadAsync() : 0;
        TicketDecisions.Decide(command, new DecisionContext(caller, machine, ticket, accredited, head));
        return new PreparedCommand(ticket, machine, head);
    }

    /// <summary>Every transaction is signed with the acting member's key: this deployment must hold it (422 otherwise, before anything is decided).</summary>
    public async Task RequireHostedAsync(MemberIdentity member, CancellationToken ct)
    {
        if (await keys.FindAsync(member.Account, ct) is null)
            throw DomainException.Unprocessable("not-hosted", "This deployment does not hold your key; send your transactions through the deployment that does.");
    }

    public async Task<long> HeadAsync() => (long)(await web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value;

    /// <summary>Sends the command's transaction (the first while the caller waits) and records the intent on the ticket's stream.</summary>
    public Task<OperationView> SendAsync(
        Guid operationId, TicketDetails ticket, TicketCommand command, MemberIdentity actor, string to, string data, bool byWatchdog, CancellationToken ct)
    {
        var name = command.ToString().ToLowerInvariant();
        return operations.StartAsync(operationId, $"ticket-{name}", actor, ticket.Id.ToString(), [new OperationStep(name, actor.Account, to, data)],
            async (session, token) => (await session.Events.FetchForWriting<TicketDetails>(ticket.Id, token))
                .AppendOne(new TicketCommandRequested(ticket.Id, operationId, name, actor.MemberId, actor.Account, byWatchdog, clock.GetUtcNow())), ct);
    }

    /// <summary>An operation started before (a retried request with the same Idempotency-Key, a watchdog's second look), or null.</summary>
    public async Task<OperationView?> ExistingAsync(Guid operationId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<OperationView>(operationId, ct);
    }
}

public static class TicketETags
{
    public static string For(long version) => $"\"{version}\"";

    /// <summary>A write carrying If-Match must name the ticket's current version; otherwise it changes nothing (412).</summary>
    public static void Check(HttpContext http, long version)
    {
        var ifMatch = http.Request.Headers.IfMatch.ToString();
        if (string.IsNullOrEmpty(ifMatch) || ifMatch == "*") return;
        if (!ifMatch.Split(',').Select(t => t.Trim().Replace("W/", "", StringComparison.Ordinal)).Contains(For(version)))
            throw DomainException.PreconditionFailed($"The ticket is at version {version} ({For(version)}); fetch it again and retry with its ETag.");
    }
}
