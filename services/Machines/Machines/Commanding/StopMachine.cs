using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using MaaS.Chain.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Machines.Machines.Commanding;

public static class StopMachine
{
    public static RouteGroupBuilder MapStopMachine(this RouteGroupBuilder machines)
    {
        machines.MapPost("/{machineId:guid}/stop", Stop).RequireAuthorization(Policies.Member, Policies.Write);
        return machines;
    }

    private static Task<Accepted<OperationView>> Stop(Guid machineId, HttpContext http, MachineCommands commands, IMachineRegistry registry, CancellationToken ct) =>
        commands.SubmitAsync(machineId, MachineCommand.Stop, http, (from, id) => registry.Stop("", from, id), ct);
}
