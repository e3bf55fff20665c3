using MaaS.Chain.Contracts;
using MaaS.Chain.Transactions;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Hosting;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Machines.Machines.Commanding;

/// <summary>
/// The path every machine command takes: load the machine, check If-Match, decide (403/409 before anything is sent),
/// then one transaction signed with the caller's key, recorded as an operation and as intent on the machine's stream.
/// A retry of a command (same Idempotency-Key) is not decided again: it answers the operation it started, or resumes
/// it when its transaction was sent but the operation not yet recorded (a crash in between).
/// </summary>
public sealed class MachineCommands(
    IDocumentSession session, IMachineRegistry registry, OperationRunner operations, ITransactionWriter writer, ServiceIdentity service,
    TimeProvider clock)
{
    public async Task<Accepted<OperationView>> SubmitAsync(
        Guid machineId, MachineCommand command, HttpContext http, Func<string, byte[], TransactionRequest> transaction, CancellationToken ct)
    {
        var caller = http.Member();
        var machine = await session.LoadAsync<MachineDetails>(machineId, ct);
        if (machine is null || !await MachineVisibility.CanSeeAsync(session, machine, caller, ct)) throw DomainException.NotFound("Machine", machineId);

        var operationId = http.OperationId(caller);
        // Its own transaction has usually changed the machine's state (and version) since: deciding again would refuse the retry.
        if (await session.LoadAsync<OperationView>(operationId, ct) is { } started) return TypedResults.Accepted(service.Location(started.Id), started);
        if (await writer.FindAsync(operations.TransactionKey(operationId, 0), ct) is null)
        {
            var state = await session.Events.FetchStreamStateAsync(machineId, ct);
            MachineETags.Check(http, state?.Version ?? 0);
            MachineDecisions.Decide(machine, command, caller);
        }

        var request = transaction(caller.Account, Bytes32.FromGuid(machineId));
        var operation = await operations.StartAsync(operationId, $"machine-{command.ToString().ToLowerInvariant()}", caller, machineId.ToString(),
            [new OperationStep(command.ToString(), caller.Account, registry.Address, request.Data)],
            async (s, token) => (await s.Events.FetchForWriting<MachineDetails>(machineId, token))
                .AppendOne(new MachineCommandRequested(machineId, operationId, command.ToString(), caller.MemberId, clock.GetUtcNow())), ct);
        return TypedResults.Accepted(service.Location(operation.Id), operation);
    }
}

public static class MachineETags
{
    public static string For(long version) => $"\"{version}\"";

    /// <summary>A write carrying If-Match must name the machine's current version; otherwise it changes nothing (412).</summary>
    public static void Check(HttpContext http, long version)
    {
        var ifMatch = http.Request.Headers.IfMatch.ToString();
        if (string.IsNullOrEmpty(ifMatch) || ifMatch == "*") return;
        if (!ifMatch.Split(',').Select(t => t.Trim().Replace("W/", "", StringComparison.Ordinal)).Contains(For(version)))
            throw DomainException.PreconditionFailed($"The machine is at version {version} ({For(version)}); fetch it again and retry with its ETag.");
    }
}
