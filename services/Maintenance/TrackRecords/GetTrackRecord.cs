using MaaS.Maintenance.Tickets;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace MaaS.Maintenance.TrackRecords;

public static class GetTrackRecord
{
    public static RouteGroupBuilder MapGetTrackRecord(this RouteGroupBuilder maintainers)
    {
        maintainers.MapGet("/{maintainerId:guid}/track-record", Get).RequireAuthorization(Policies.Member);
        return maintainers;
    }

    /// <summary>Any member may read a maintainer's record: it is built from the (public) chain facts of its tickets.</summary>
    private static async Task<Ok<TrackRecordView>> Get(Guid maintainerId, IQuerySession session, IOptions<MaintenanceOptions> options, TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok(await LoadAsync(session, maintainerId, options.Value, clock.GetUtcNow(), ct));

    public static async Task<TrackRecordView> LoadAsync(IQuerySession session, Guid maintainerId, MaintenanceOptions options, DateTimeOffset now, CancellationToken ct)
    {
        var assigned = await session.Query<TicketDetails>().Where(t => t.FinalAssigneeId == maintainerId).ToListAsync(ct);
        var machines = assigned.Select(t => t.MachineId).Distinct().ToArray();
        var sameMachines = machines.Length == 0 ? [] : await session.Query<TicketDetails>().Where(t => machines.Contains(t.MachineId)).ToListAsync(ct);
        return TrackRecord.Compute(maintainerId, assigned, sameMachines, options, now);
    }
}
