using System.Text;
using System.Text.Json;
using FluentValidation;
using MaaS.Chain.Contracts;
using MaaS.Machines.Members;
using MaaS.OffChain;
using MaaS.OffChain.Invoicing;
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
    /// <summary>
    /// The shortest billing period a registration may ask for: <c>Machines:MinBillingPeriodSeconds</c>, default one hour.
    /// The dev stack lowers it so that `./maas demo` sees an invoice issued and verified within minutes.
    /// </summary>
    public const uint DefaultMinBillingPeriodSeconds = 3600;

    public RegisterMachineValidator(IConfiguration configuration)
    {
        var minBillingPeriod = configuration.GetValue("Machines:MinBillingPeriodSeconds", DefaultMinBillingPeriodSeconds);
        // Stop at the first failure of a rule: the later checks read the value and would throw on a missing one (a 500).
        RuleFor(r => r.CustomerId).NotEmpty();
        RuleFor(r => r.Model).Cascade(CascadeMode.Stop).NotEmpty().MaximumLength(32).Must(m => m.All(c => c is >= ' ' and <= '~'))
            .WithMessage("The model is up to 32 printable ASCII characters.");
        RuleFor(r => r.Region).LessThan((ushort)65535).WithMessage("Region 65535 means 'every region' and is only for accreditations.");
        RuleFor(r => r.DeviceAddress).Cascade(CascadeMode.Stop).NotEmpty()
            .Matches("^0x[0-9a-fA-F]{40}$").WithMessage("The device address is the 0x-prefixed address of the IoT box's key.")
            .Must(a => a.Any(c => c is not ('0' or 'x'))).WithMessage("The device address cannot be zero.");
        RuleFor(r => r.TelemetryIntervalSeconds).InclusiveBetween(1u, 86_400u);
        RuleFor(r => r.SpecDocument).Cascade(CascadeMode.Stop).NotEmpty().Must(BeSmallBase64).WithMessage("The spec document is base64 of at most 262,144 bytes.");
        // The invoicing run bills by these terms: a document it cannot read would leave the machine unbillable, so refuse it here.
        RuleFor(r => r.Terms).Cascade(CascadeMode.Stop)
            .Must(t => t.ValueKind == JsonValueKind.Object).WithMessage("The terms are a JSON object.")
            .Custom((terms, context) =>
            {
                if (!PricingTerms.IsValid(Encoding.UTF8.GetBytes(terms.GetRawText()), out var error))
                    context.AddFailure(nameof(RegisterMachineRequest.Terms), $"The terms are a {PricingTerms.Format} document (docs/invoicing.md §1): {error}");
            });
        RuleFor(r => r.BillingPeriodSeconds).InclusiveBetween(minBillingPeriod, 366u * 24 * 3600);
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

    private static Guid MachineIdFor(Guid operationId)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes($"machine-of-operation/{operationId}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16));
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
        var operationId = http.OperationId(oem);
        // A retry (same Idempotency-Key) answers the registration it started, without storing the documents again.
        if (await query.LoadAsync<OperationView>(operationId, ct) is { } started) return TypedResults.Accepted(service.Location(started.Id), started);
        var customer = await query.LoadAsync<MemberView>(request.CustomerId, ct) ?? throw DomainException.NotFound("Member", request.CustomerId);
        if (!customer.Roles.HasFlag(ServiceDefaults.Identity.MemberRoles.Customer))
            throw DomainException.Unprocessable("not-a-customer", $"Member {request.CustomerId} is not an active customer.");
        // With an Idempotency-Key the machine id follows from the operation id, so a retry after a crash between sending
        // and recording names the same machine as the transaction it finds in the ledger.
        // (Derived, not equal: streams share one id space, and the operation has a stream of its own.)
        var machineId = request.MachineId ?? (http.Request.Headers.ContainsKey("Idempotency-Key") ? MachineIdFor(operationId) : Guid.CreateVersion7());
        if (await query.LoadAsync<MachineDetails>(machineId, ct) is not null && request.MachineId is not null && !http.Request.Headers.ContainsKey("Idempotency-Key"))
            throw DomainException.Conflict("machine-exists", $"Machine {machineId} already exists.");

        var specCid = await store.PutAsync(Convert.FromBase64String(request.SpecDocument), ct);
        var termsCid = await store.PutAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(request.Terms)), ct);
        var id = Bytes32.FromGuid(machineId);
        var registration = new MachineRegistration(id, customer.Account, Bytes32.FromAscii(request.Model), request.Region, specCid.ToDigestBytes(),
            request.DeviceAddress.ToLowerInvariant(), request.TelemetryIntervalSeconds, termsCid.ToDigestBytes());
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
