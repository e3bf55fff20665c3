using System.Text;
using System.Text.Json;
using FluentValidation;
using MaaS.Chain.Contracts;
using MaaS.Machines.Members;
using MaaS.OffChain;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Hosting;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Machines.Machines.Registering;

/// <param name="SpecDocument">The machine's specification (any format), base64, at most 256 KiB: stored off-chain, its CID goes on chain.</param>
/// <param name="Terms">The pricing and SLA terms (a JSON document): stored off-chain in canonical form, its hash set on chain as terms version 1.</param>
public sealed record RegisterMachineRequest(
    Guid? MachineId, Guid CustomerId, string Model, ushort Region, string DeviceAddress, uint TelemetryIntervalSeconds,
    string SpecDocument, JsonElement Terms, uint BillingPeriodSeconds = 30 * 24 * 3600);

public sealed class RegisterMachineValidator : AbstractValidator<RegisterMachineRequest>
{
    public RegisterMachineValidator()
    {
        RuleFor(r => r.CustomerId).NotEmpty();
        RuleFor(r => r.Model).NotEmpty().MaximumLength(32).Must(m => m.All(c => c is >= ' ' and <= '~')).WithMessage("The model is up to 32 printable ASCII characters.");
        RuleFor(r => r.Region).LessThan((ushort)65535).WithMessage("Region 65535 means 'every region' and is only for accreditations.");
        RuleFor(r => r.DeviceAddress).Matches("^0x[0-9a-fA-F]{40}$").WithMessage("The device address is the 0x-prefixed address of the IoT box's key.")
            .Must(a => a.Any(c => c is not ('0' or 'x'))).WithMessage("The device address cannot be zero.");
        RuleFor(r => r.TelemetryIntervalSeconds).InclusiveBetween(1u, 86_400u);
        RuleFor(r => r.SpecDocument).NotEmpty().Must(BeSmallBase64).WithMessage("The spec document is base64 of at most 262,144 bytes.");
        RuleFor(r => r.Terms.ValueKind).Equal(JsonValueKind.Object).WithMessage("The terms are a JSON object.");
        RuleFor(r => r.BillingPeriodSeconds).InclusiveBetween(3600u, 366u * 24 * 3600);
    }

    private static bool BeSmallBase64(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out var length) && length is > 0 and <= UnixFsBlock.MaxContentLength;
    }
}

public static class RegisterMachine
{
    public static RouteGroupBuilder MapRegisterMachine(this RouteGroupBuilder machines)
    {
        machines.MapPost("/", Register).RequireAuthorization(Policies.Oem, Policies.Write);
        return machines;
    }

    /// <summary>
    /// Two transactions by the OEM: register the machine, then set its terms (version 1) in Invoicing, which the
    /// customer must accept with the machine.
    /// </summary>
    private static async Task<Accepted<OperationView>> Register(
        RegisterMachineRequest request, HttpContext http, IQuerySession query, IMachineRegistry registry, IInvoicingContract invoicing,
        IOffChainStore store, OperationRunner operations, ServiceIdentity service, TimeProvider clock, CancellationToken ct)
    {
        var oem = http.Member();
        var customer = await query.LoadAsync<MemberView>(request.CustomerId, ct) ?? throw DomainException.NotFound("Member", request.CustomerId);
        if (!customer.Roles.HasFlag(ServiceDefaults.Identity.MemberRoles.Customer))
            throw DomainException.Unprocessable("not-a-customer", $"Member {request.CustomerId} is not an active customer.");
        var machineId = request.MachineId ?? Guid.CreateVersion7();
        if (await query.LoadAsync<MachineDetails>(machineId, ct) is not null && request.MachineId is not null && !http.Request.Headers.ContainsKey("Idempotency-Key"))
            throw DomainException.Conflict("machine-exists", $"Machine {machineId} already exists.");

        var specCid = await store.PutAsync(Convert.FromBase64String(request.SpecDocument), ct);
        var termsCid = await store.PutAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(request.Terms)), ct);
        var id = Bytes32.FromGuid(machineId);
        var registration = new MachineRegistration(id, customer.Account, Bytes32.FromAscii(request.Model), request.Region, specCid.ToDigestBytes(),
            request.DeviceAddress.ToLowerInvariant(), request.TelemetryIntervalSeconds, termsCid.ToDigestBytes());
        var operationId = http.OperationId(oem);
        var operation = await operations.StartAsync(operationId, "register-machine", oem, machineId.ToString(),
            [
                new OperationStep("register", oem.Account, registry.Address, registry.Register("", oem.Account, registration).Data),
                new OperationStep("setTerms", oem.Account, invoicing.Address,
                    invoicing.SetTerms("", oem.Account, id, termsCid.ToDigestBytes(), request.BillingPeriodSeconds).Data),
            ],
            async (session, token) => (await session.Events.FetchForWriting<MachineDetails>(machineId, token)).AppendOne(new MachineRegistrationRequested(machineId, operationId, oem.MemberId, oem.Account, customer.Account,
                request.Model, request.Region, request.DeviceAddress.ToLowerInvariant(), request.TelemetryIntervalSeconds, specCid.V0, termsCid.V0,
                request.BillingPeriodSeconds, clock.GetUtcNow())), ct);
        return TypedResults.Accepted(service.Location(operation.Id), operation);
    }
}
