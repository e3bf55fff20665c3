using MaaS.Chain.Contracts;
using MaaS.Invoicing.Machines;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Hosting;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Invoicing.Invoices.Settling;

public static class SettleInvoice
{
    public static RouteGroupBuilder MapSettleInvoice(this RouteGroupBuilder invoices)
    {
        invoices.MapPost("/{invoiceId}/settle", Settle).RequireAuthorization(Policies.Oem, Policies.Write);
        return invoices;
    }

    /// <summary>The OEM records that an accepted invoice was paid (off-chain). 409 unless the latest revision is accepted.</summary>
    private static async Task<Accepted<OperationView>> Settle(string invoiceId, HttpContext http, IQuerySession session, IMachineRegistry registry,
        IInvoicingContract invoicing, OperationRunner operations, ServiceIdentity service, CancellationToken ct)
    {
        var caller = http.Member();
        var (machineId, period) = InvoiceIds.Parse(invoiceId);
        var machine = await MachineAccess.LoadVisibleAsync(session, registry, machineId, caller, ct);
        if (!machine.IsOem(caller)) throw DomainException.Forbidden("Only the machine's OEM records payment.");
        var operationId = http.OperationId(caller);
        if (await session.LoadAsync<OperationView>(operationId, ct) is { } started) return TypedResults.Accepted(service.Location(started.Id), started);
        var view = await session.LoadAsync<InvoiceView>(InvoiceIds.StreamOf(machineId, period), ct) ?? throw DomainException.NotFound("Invoice", invoiceId);
        if (view.State != InvoiceState.Accepted) throw DomainException.Conflict("invalid-invoice-state", $"Invoice {invoiceId} is {view.State}; only an accepted invoice is settled.");
        var operation = await operations.StartAsync(operationId, "settle-invoice", caller, invoiceId,
            [new OperationStep("settleInvoice", caller.Account, invoicing.Address, invoicing.SettleInvoice("", caller.Account, Bytes32.FromGuid(machineId), period, view.Revision).Data)],
            ct: ct);
        return TypedResults.Accepted(service.Location(operation.Id), operation);
    }
}
