using FluentValidation;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using MaaS.Chain.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Machines.Machines.Commanding;

/// <param name="TermsVersion">The version of the terms the customer reviewed; the contract refuses any other.</param>
public sealed record AcceptMachineRequest(uint TermsVersion);

public sealed class AcceptMachineValidator : AbstractValidator<AcceptMachineRequest>
{
    public AcceptMachineValidator() => RuleFor(r => r.TermsVersion).GreaterThan(0u);
}

public static class AcceptMachine
{
    public static RouteGroupBuilder MapAcceptMachine(this RouteGroupBuilder machines)
    {
        machines.MapPost("/{machineId:guid}/accept", Accept).RequireAuthorization(Policies.Customer, Policies.Write);
        return machines;
    }

    private static Task<Accepted<OperationView>> Accept(Guid machineId, AcceptMachineRequest request, HttpContext http, MachineCommands commands,
        IMachineRegistry registry, CancellationToken ct) =>
        commands.SubmitAsync(machineId, MachineCommand.Accept, http, (from, id) => registry.Accept("", from, id, request.TermsVersion), ct);
}
