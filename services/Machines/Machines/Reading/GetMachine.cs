using MaaS.Machines.Machines.Commanding;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Machines.Machines.Reading;

public static class GetMachine
{
    public static RouteGroupBuilder MapGetMachine(this RouteGroupBuilder machines)
    {
        machines.MapGet("/{machineId:guid}", Get).RequireAuthorization(Policies.Member);
        machines.MapGet("/{machineId:guid}/at", GetAt).RequireAuthorization(Policies.Member);
        return machines;
    }

    /// <summary>The machine with its parties, state observed and final, and its chain history with transaction hashes. ETag = stream version.</summary>
    private static async Task<Ok<MachineDetails>> Get(Guid machineId, HttpContext http, IQuerySession session, CancellationToken ct)
    {
        var machine = await session.LoadAsync<MachineDetails>(machineId, ct);
        if (machine is null || !await MachineVisibility.CanSeeAsync(session, machine, http.Member(), ct)) throw DomainException.NotFound("Machine", machineId);
        var state = await session.Events.FetchStreamStateAsync(machineId, ct);
        http.Response.Headers.ETag = MachineETags.For(state?.Version ?? 0);
        return TypedResults.Ok(machine);
    }

    /// <summary>The machine as its stream stood at a past moment (<c>?time=2026-11-26T10:00:00Z</c>), folded from its events.</summary>
    private static async Task<Ok<MachineDetails>> GetAt(Guid machineId, DateTimeOffset time, HttpContext http, IQuerySession session, CancellationToken ct)
    {
        var current = await session.LoadAsync<MachineDetails>(machineId, ct);
        if (current is null || !await MachineVisibility.CanSeeAsync(session, current, http.Member(), ct)) throw DomainException.NotFound("Machine", machineId);
        var then = await session.Events.AggregateStreamAsync<MachineDetails>(machineId, timestamp: time, token: ct)
            ?? throw DomainException.NotFound("Machine state at", time.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
        return TypedResults.Ok(then);
    }
}
