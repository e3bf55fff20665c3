using MaaS.Chain.Contracts;
using MaaS.Invoicing.Machines;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Hosting;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Invoicing.Terms.Accepting;

public static class AcceptTerms
{
    public static RouteGroupBuilder MapAcceptTerms(this RouteGroupBuilder machines)
    {
        machines.MapPost("/{machineId:guid}/terms/{version:int}/accept", Accept).RequireAuthorization(Policies.Customer, Policies.Write);
        return machines;
    }

    /// <summary>
    /// The customer accepts a later terms version (<c>acceptTerms</c>); it applies from the next billing period. The first
    /// version is accepted with the machine itself (<c>POST /api/machines/{id}/accept</c>).
    /// </summary>
    private static async Task<Accepted<OperationView>> Accept(Guid machineId, int version, HttpContext http, IQuerySession session, IMachineRegistry registry,
        IInvoicingContract invoicing, OperationRunner operations, ServiceIdentity service, CancellationToken ct)
    {
        var caller = http.Member();
        var machine = await MachineAccess.LoadVisibleAsync(session, registry, machineId, caller, ct);
        if (!machine.IsCustomer(caller)) throw DomainException.Forbidden("Only the machine's customer accepts its terms.");
        if (version < 1) throw DomainException.NotFound("Terms version", version);
        var operationId = http.OperationId(caller);
        if (await session.LoadAsync<OperationView>(operationId, ct) is { } started) return TypedResults.Accepted(service.Location(started.Id), started);
        var operation = await operations.StartAsync(operationId, "accept-terms", caller, machineId.ToString(),
            [new OperationStep("acceptTerms", caller.Account, invoicing.Address, invoicing.AcceptTerms("", caller.Account, Bytes32.FromGuid(machineId), (uint)version).Data)],
            ct: ct);
        return TypedResults.Accepted(service.Location(operation.Id), operation);
    }
}
