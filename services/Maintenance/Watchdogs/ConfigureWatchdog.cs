using FluentValidation;
using MaaS.Chain.Transactions;
using MaaS.Maintenance.Tickets;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Maintenance.Watchdogs;

public sealed class WatchdogRulesValidator : AbstractValidator<WatchdogRules>
{
    public WatchdogRulesValidator()
    {
        RuleFor(r => r.Models).NotNull();
        RuleForEach(r => r.Models).NotEmpty().MaximumLength(32);
        RuleFor(r => r.Regions).NotNull();
        RuleFor(r => r.Kinds).NotNull();
        RuleForEach(r => r.Kinds).IsInEnum();
        RuleFor(r => r.Capacity).InclusiveBetween(0, 1000);
        RuleFor(r => r.Price).NotNull();
        RuleFor(r => r.Price.Repair).GreaterThan(0ul).When(r => r.Price is not null);
        RuleFor(r => r.Price.Preventive).GreaterThan(0ul).When(r => r.Price is not null);
        RuleFor(r => r.Eta).NotNull();
        RuleFor(r => r.Eta.RepairSeconds).GreaterThan(0u).When(r => r.Eta is not null);
        RuleFor(r => r.Eta.PreventiveSeconds).GreaterThan(0u).When(r => r.Eta is not null);
        RuleFor(r => r.Eta.MinimumHistory).InclusiveBetween(1, 1000).When(r => r.Eta is not null);
    }
}

/// <param name="Load">Tickets counted against the capacity now.</param>
public sealed record WatchdogStatus(WatchdogPolicy Policy, int Load, IReadOnlyList<Guid> Working, IReadOnlyList<WatchdogBackOffView> BackOffs);

public sealed record WatchdogBackOffView(Guid TicketId, string Action, string Reason, DateTimeOffset At);

public static class ConfigureWatchdog
{
    public static RouteGroupBuilder MapConfigureWatchdog(this RouteGroupBuilder watchdogs)
    {
        watchdogs.MapPut("/me", Put).RequireAuthorization(Policies.Maintainer, Policies.Write);
        watchdogs.MapGet("/me", Get).RequireAuthorization(Policies.Maintainer);
        return watchdogs;
    }

    /// <summary>A maintainer whose key this deployment holds sets its watchdog (each change is an event on its stream). If-Match: the revision.</summary>
    private static async Task<Ok<WatchdogStatus>> Put(WatchdogRules rules, HttpContext http, IDocumentSession session, ISigningKeys keys, TimeProvider clock, CancellationToken ct)
    {
        var maintainer = http.Member();
        if (await keys.FindAsync(maintainer.Account, ct) is null)
            throw DomainException.Unprocessable("not-hosted", "This deployment does not hold your key, so no watchdog can act for you here; run it where your key is.");
        var stream = await session.Events.FetchForWriting<WatchdogPolicy>(maintainer.MemberId, ct);
        var ifMatch = http.Request.Headers.IfMatch.ToString();
        var revision = stream.Aggregate?.Revision ?? 0;
        if (ifMatch is { Length: > 0 } && ifMatch != "*" && ifMatch.Trim() != $"\"{revision}\"")
            throw DomainException.PreconditionFailed($"The watchdog is at revision {revision} (\"{revision}\"); fetch it again and retry with its ETag.");
        stream.AppendOne(new WatchdogPolicySet(maintainer.MemberId, maintainer.Account, rules with
        {
            Models = [.. rules.Models.Distinct()], Regions = [.. rules.Regions.Distinct()], Kinds = [.. rules.Kinds.Distinct()],
        }, clock.GetUtcNow()));
        await session.SaveChangesAsync(ct);
        return await StatusAsync(http, session, maintainer, ct);
    }

    private static async Task<Ok<WatchdogStatus>> Get(HttpContext http, IQuerySession session, CancellationToken ct) =>
        await StatusAsync(http, session, http.Member(), ct);

    private static async Task<Ok<WatchdogStatus>> StatusAsync(HttpContext http, IQuerySession session, MemberIdentity maintainer, CancellationToken ct)
    {
        var policy = await session.LoadAsync<WatchdogPolicy>(maintainer.MemberId, ct) ?? throw DomainException.NotFound("Watchdog of member", maintainer.MemberId);
        var account = policy.Account;
        var active = await session.Query<TicketDetails>().Where(t => t.Active && (t.Assignee == account || t.Status == TicketStatus.Open)).ToListAsync(ct);
        var backOffs = await session.Query<TicketDetails>().Where(t => t.BackOffs.Any(b => b.Maintainer == account)).ToListAsync(ct);
        http.Response.Headers.ETag = $"\"{policy.Revision}\"";
        return TypedResults.Ok(new WatchdogStatus(policy, WatchdogDecisions.Load(account, active),
            [.. active.Where(t => t.IsAssigned(account) && t.Status == TicketStatus.Accepted).Select(t => t.Id)],
            [.. backOffs.SelectMany(t => t.BackOffs.Where(b => b.Maintainer == account).Select(b => new WatchdogBackOffView(t.Id, b.Action, b.Reason, b.At)))
                .OrderByDescending(b => b.At).Take(50)]));
    }
}
