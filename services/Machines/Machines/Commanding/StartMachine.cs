using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using MaaS.Chain.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Machines.Machines.Commanding;

public static class StartMachine
{
    public static RouteGroupBuilder MapStartMachine(this RouteGroupBuilder machines)
    {
        machines.MapPost("/{machineId:guid}/start", Start).RequireAuthorization(Policies.Customer, Policies.Write);
        return machines;
    }

    private static Task<Accepted<OperationView>> Start(Guid machineId, HttpContext http, MachineCommands commands, IMachineRegistry registry, CancellationToken ct) =>
        commands.SubmitAsync(machineId, MachineCommand.Start, http, (from, id) => registry.Start("", from, id), ct);
}
