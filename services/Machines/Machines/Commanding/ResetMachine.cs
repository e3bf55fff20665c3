using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using MaaS.Chain.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Machines.Machines.Commanding;

public static class ResetMachine
{
    public static RouteGroupBuilder MapResetMachine(this RouteGroupBuilder machines)
    {
        machines.MapPost("/{machineId:guid}/reset", Reset).RequireAuthorization(Policies.Member, Policies.Write);
        return machines;
    }

    private static Task<Accepted<OperationView>> Reset(Guid machineId, HttpContext http, MachineCommands commands, IMachineRegistry registry, CancellationToken ct) =>
        commands.SubmitAsync(machineId, MachineCommand.Reset, http, (from, id) => registry.ResetMachineState("", from, id), ct);
}
