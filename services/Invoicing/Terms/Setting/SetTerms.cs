using System.Text.Json;
using FluentValidation;
using MaaS.Chain.Contracts;
using MaaS.Invoicing.Machines;
using MaaS.OffChain;
using MaaS.OffChain.Invoicing;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Hosting;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Invoicing.Terms.Setting;

/// <param name="Terms">The pricing and SLA document (format maas/terms/v1, docs/invoicing.md §1).</param>
/// <param name="BillingPeriodSeconds">Only before the customer accepted the machine; afterwards the chain's billing period is kept (it is fixed).</param>
public sealed record SetTermsRequest(JsonElement Terms, uint? BillingPeriodSeconds = null);

public sealed class SetTermsValidator : AbstractValidator<SetTermsRequest>
{
    public SetTermsValidator()
    {
        RuleFor(r => r.Terms).Must(BeTerms).WithMessage("The terms are a maas/terms/v1 document: currency, baseFee, pricePerItem, quality, availability, maintenance (integers, basis points ≤ 10000).");
        RuleFor(r => r.BillingPeriodSeconds).InclusiveBetween(1u, 366u * 24 * 3600).When(r => r.BillingPeriodSeconds is not null);
    }

    private static bool BeTerms(JsonElement terms)
    {
        if (terms.ValueKind != JsonValueKind.Object) return false;
        try
        {
            PricingTerms.Parse(JsonSerializer.SerializeToUtf8Bytes(terms));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

public static class SetTerms
{
    public static RouteGroupBuilder MapSetTerms(this RouteGroupBuilder machines)
    {
        machines.MapPost("/{machineId:guid}/terms", Set).RequireAuthorization(Policies.Oem, Policies.Write);
        return machines;
    }

    /// <summary>
    /// The machine's OEM proposes a new terms version: the canonical document goes off-chain, its CID digest on chain with
    /// <c>setTerms</c>. The contract numbers the version; once the customer accepts it, it applies from the next period.
    /// </summary>
    private static async Task<Accepted<OperationView>> Set(Guid machineId, SetTermsRequest request, HttpContext http, IQuerySession session,
        IMachineRegistry registry, IInvoicingContract invoicing, IOffChainStore store, OperationRunner operations, ServiceIdentity service, CancellationToken ct)
    {
        var caller = http.Member();
        var machine = await MachineAccess.LoadVisibleAsync(session, registry, machineId, caller, ct);
        if (!machine.IsOem(caller)) throw DomainException.Forbidden("Only the machine's OEM sets its terms.");
        var operationId = http.OperationId(caller);
        if (await session.LoadAsync<OperationView>(operationId, ct) is { } started) return TypedResults.Accepted(service.Location(started.Id), started);

        var current = await invoicing.CurrentTermsAsync(Bytes32.FromGuid(machineId), ct);
        var billingPeriod = current is { Epoch: not null } ? current.BillingPeriodSeconds : request.BillingPeriodSeconds ?? current?.BillingPeriodSeconds
            ?? throw DomainException.Unprocessable("billing-period-required", "The machine has no terms yet: name the billing period.");
        if (current is { Epoch: not null } && request.BillingPeriodSeconds is { } asked && asked != current.BillingPeriodSeconds)
            throw DomainException.Conflict("billing-period-fixed", $"The billing period is fixed at {current.BillingPeriodSeconds} s once terms are accepted.");
        var canonical = PricingTerms.Parse(JsonSerializer.SerializeToUtf8Bytes(request.Terms)).Canonical();
        var cid = await store.PutAsync(canonical, ct);
        var operation = await operations.StartAsync(operationId, "set-terms", caller, machineId.ToString(),
            [new OperationStep("setTerms", caller.Account, invoicing.Address, invoicing.SetTerms("", caller.Account, Bytes32.FromGuid(machineId), cid.ToDigestBytes(), billingPeriod).Data)],
            ct: ct);
        return TypedResults.Accepted(service.Location(operation.Id), operation);
    }
}
