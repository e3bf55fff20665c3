using FluentValidation;
using MaaS.Chain.Contracts;
using MaaS.Maintenance.Machines;
using MaaS.Maintenance.Tickets;
using MaaS.Maintenance.Tickets.Reading;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace MaaS.Maintenance.Sla;

public sealed record PauseRequest(PauseReason Reason, string? Note);

public sealed class PauseRequestValidator : AbstractValidator<PauseRequest>
{
    public PauseRequestValidator()
    {
        RuleFor(r => r.Reason).IsInEnum();
        RuleFor(r => r.Note).MaximumLength(500);
    }
}

public static class PauseClock
{
    public static RouteGroupBuilder MapPauseClock(this RouteGroupBuilder tickets)
    {
        tickets.MapPost("/{ticketId:guid}/pause", Pause).RequireAuthorization(Policies.Member, Policies.Write);
        tickets.MapPost("/{ticketId:guid}/resume", Resume).RequireAuthorization(Policies.Member, Policies.Write);
        return tickets;
    }

    /// <summary>The customer or the assigned maintainer stops the SLA clocks while the ticket waits on the customer or on parts (off-chain, recorded as an event).</summary>
    private static Task<Ok<SlaView>> Pause(Guid ticketId, PauseRequest request, HttpContext http, IDocumentStore store, IMachineRegistry registry,
        IOptions<MaintenanceOptions> options, TimeProvider clock, CancellationToken ct) =>
        ChangeAsync(ticketId, TicketCommand.Pause, http, store, registry, options, clock,
            (ticket, member, now) => new SlaClockPaused(ticket, request.Reason, request.Note, member, now), ct);

    private static Task<Ok<SlaView>> Resume(Guid ticketId, HttpContext http, IDocumentStore store, IMachineRegistry registry,
        IOptions<MaintenanceOptions> options, TimeProvider clock, CancellationToken ct) =>
        ChangeAsync(ticketId, TicketCommand.Resume, http, store, registry, options, clock, (ticket, member, now) => new SlaClockResumed(ticket, member, now), ct);

    /// <summary>
    /// Appends the pause or resumption on the ticket's stream. The follower, the watchdogs and the SLA sweeper append to the
    /// same stream: a save that loses to them reads the ticket again and decides again (an If-Match then fails as it should).
    /// </summary>
    private static async Task<Ok<SlaView>> ChangeAsync(Guid ticketId, TicketCommand command, HttpContext http, IDocumentStore store, IMachineRegistry registry,
        IOptions<MaintenanceOptions> options, TimeProvider clock, Func<Guid, Guid, DateTimeOffset, object> change, CancellationToken ct)
    {
        var caller = http.Member();
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.LightweightSession();
            var stream = await session.Events.FetchForWriting<TicketDetails>(ticketId, ct);
            var ticket = stream.Aggregate ?? throw DomainException.NotFound("Ticket", ticketId);
            var machine = await MachineLookup.LoadAsync(session, registry, ticket.MachineId, ct) ?? throw DomainException.NotFound("Ticket", ticketId);
            // As for every ticket command: who may not read the ticket learns nothing of it (not even its version).
            if (!await TicketVisibility.CanSeeAsync(session, ticket, machine, caller, ct)) throw DomainException.NotFound("Ticket", ticketId);
            TicketETags.Check(http, stream.CurrentVersion ?? 0);
            TicketDecisions.Decide(command, new DecisionContext(caller, machine, ticket, false, 0));
            var now = clock.GetUtcNow();
            var @event = change(ticketId, caller.MemberId, now);
            stream.AppendOne(@event);
            try
            {
                await session.SaveChangesAsync(ct);
            }
            catch (JasperFx.ConcurrencyException) when (attempt < 5)
            {
                continue;
            }
            var updated = @event is SlaClockPaused paused ? ticket.Apply(paused) : ticket.Apply((SlaClockResumed)@event);
            return TypedResults.Ok(SlaClocks.Compute(updated, options.Value.Sla.For(ticket.Kind), now));
        }
    }
}
