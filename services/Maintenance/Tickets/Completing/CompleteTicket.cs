using System.Text.Json;
using FluentValidation;
using MaaS.Chain.Contracts;
using MaaS.OffChain;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Maintenance.Tickets.Completing;

/// <param name="Report">What was done (any text, at most 64 KiB): stored off-chain, its CID goes on chain.</param>
public sealed record CompleteTicketRequest(string Report);

public sealed class CompleteTicketValidator : AbstractValidator<CompleteTicketRequest>
{
    public CompleteTicketValidator() => RuleFor(r => r.Report).NotEmpty().MaximumLength(64 * 1024);
}

public static class CompleteTicket
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static RouteGroupBuilder MapCompleteTicket(this RouteGroupBuilder tickets)
    {
        tickets.MapPost("/{ticketId:guid}/completion", Complete).RequireAuthorization(Policies.Maintainer, Policies.Write);
        return tickets;
    }

    /// <summary>The maintainer whose assignment is final reports the work done.</summary>
    private static Task<Accepted<OperationView>> Complete(
        Guid ticketId, CompleteTicketRequest request, HttpContext http, TicketCommands commands, IMachineRegistry registry, IOffChainStore offChain, CancellationToken ct) =>
        commands.SubmitAsync(ticketId, TicketCommand.Complete, http, async (c, caller) =>
        {
            var report = await offChain.PutAsync(JsonSerializer.SerializeToUtf8Bytes(new
            {
                type = "maas.maintenance.ticket-report/1", ticketId = c.Ticket.Id, machineId = c.Ticket.MachineId, seq = c.Ticket.Seq, maintainer = caller.Account,
                report = request.Report,
            }, Json), ct);
            return (registry.Address, registry.CompleteTicket("", caller.Account, Bytes32.FromGuid(c.Ticket.MachineId), c.Ticket.Seq, report.ToDigestBytes()).Data);
        }, ct);
}
