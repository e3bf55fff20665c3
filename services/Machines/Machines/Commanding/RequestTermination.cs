using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using MaaS.Chain.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Machines.Machines.Commanding;

public static class RequestTermination
{
    public static RouteGroupBuilder MapRequestTermination(this RouteGroupBuilder machines)
    {
        machines.MapPost("/{machineId:guid}/termination", Request).RequireAuthorization(Policies.Member, Policies.Write);
        return machines;
    }

    private static Task<Accepted<OperationView>> Request(Guid machineId, HttpContext http, MachineCommands commands, IMachineRegistry registry, CancellationToken ct) =>
        commands.SubmitAsync(machineId, MachineCommand.RequestTermination, http, (from, id) => registry.RequestTermination("", from, id), ct);
}
