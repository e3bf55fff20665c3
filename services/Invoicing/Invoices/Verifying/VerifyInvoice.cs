using MaaS.Contracts.Invoicing;
using MaaS.Chain.Transactions;
using MaaS.Invoicing.Invoices.Issuing;
using MaaS.Invoicing.Machines;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Hosting;
using MaaS.ServiceDefaults.Operations;
using MaaS.ServiceDefaults.Identity;
using MassTransit;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace MaaS.Invoicing.Invoices.Verifying;

public static class VerifyInvoice
{
    public static RouteGroupBuilder MapVerifyInvoice(this RouteGroupBuilder invoices)
    {
        invoices.MapPost("/{invoiceId}/verify", Verify).RequireAuthorization(Policies.Customer, Policies.Write);
        return invoices;
    }

    /// <summary>
    /// The machine's customer asks for the check now: 202 with the accept or dispute operation when the invoice awaits a
    /// decision, 200 with the checks alone when it was decided already. 404 for anyone who is not a party of the machine,
    /// 403 for its OEM; nothing is sent for them.
    /// </summary>
    private static async Task<Results<Ok<VerificationResult>, Accepted<VerificationResult>>> Verify(
        string invoiceId, HttpContext http, IQuerySession session, InvoiceVerifier verifier, ServiceIdentity service, CancellationToken ct)
    {
        var caller = http.Member();
        var (machineId, period) = InvoiceIds.Parse(invoiceId);
        var machine = await session.LoadAsync<BilledMachine>(machineId, ct);
        if (machine is null || !machine.IsParty(caller)) throw DomainException.NotFound("Invoice", invoiceId);
        if (!machine.IsCustomer(caller)) throw DomainException.Forbidden($"Only the machine's customer accepts or disputes its invoices.");
        var result = await verifier.VerifyAsync(machineId, period, caller, decide: true, ct);
        return result.Operation is { } operation ? TypedResults.Accepted(service.Location(operation.Id), result) : TypedResults.Ok(result);
    }
}

/// <summary>
/// The customer's node checks every invoice issued to a customer whose key it holds, as soon as the issue is final, and
/// accepts or disputes it. Idempotent: the decision's operation id follows from the invoice and revision.
/// </summary>
public sealed class InvoiceIssuedConsumer(IQuerySession session, InvoiceVerifier verifier, ISigningKeys keys, IOptions<InvoicingOptions> options) : IConsumer<InvoiceIssued>
{
    public async Task Consume(ConsumeContext<InvoiceIssued> context)
    {
        if (!options.Value.AutoVerify) return;
        var machine = await session.LoadAsync<BilledMachine>(context.Message.MachineId, context.CancellationToken);
        if (machine is null || await keys.FindAsync(machine.Customer, context.CancellationToken) is null) return;
        await verifier.VerifyAsync(machine.Id, context.Message.Period, Acting.As(machine.Customer, MemberRoles.Customer), decide: true, context.CancellationToken);
    }
}
