using MaaS.Chain.Contracts;
using MaaS.Invoicing.Machines;
using MaaS.OffChain;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Invoicing.Invoices.Reading;

public static class GetInvoice
{
    public const string DocumentContentType = "application/json";

    public static RouteGroupBuilder MapGetInvoice(this RouteGroupBuilder invoicing)
    {
        invoicing.MapGet("/invoices/{invoiceId}", Get).RequireAuthorization(Policies.Member);
        invoicing.MapGet("/invoices/{invoiceId}/document", Document).RequireAuthorization(Policies.Member).Produces(StatusCodes.Status200OK, contentType: DocumentContentType);
        invoicing.MapGet("/machines/{machineId:guid}/invoices", List).RequireAuthorization(Policies.Member);
        return invoicing;
    }

    /// <summary>The invoice (latest revision): chain state, document CID, this deployment's last verification. For the machine's parties and the operator.</summary>
    private static async Task<Ok<InvoiceView>> Get(string invoiceId, HttpContext http, IQuerySession session, IMachineRegistry registry, CancellationToken ct)
    {
        var (machineId, period) = InvoiceIds.Parse(invoiceId);
        await MachineAccess.LoadVisibleAsync(session, registry, machineId, http.Member(), ct, operatorMaySee: true);
        return TypedResults.Ok(await session.LoadAsync<InvoiceView>(InvoiceIds.StreamOf(machineId, period), ct) ?? throw DomainException.NotFound("Invoice", invoiceId));
    }

    /// <summary>The canonical document bytes, exactly as hashed on chain (the store re-hashes them on read).</summary>
    private static async Task<FileContentHttpResult> Document(string invoiceId, HttpContext http, IQuerySession session, IMachineRegistry registry,
        IOffChainStore store, CancellationToken ct)
    {
        var (machineId, period) = InvoiceIds.Parse(invoiceId);
        await MachineAccess.LoadVisibleAsync(session, registry, machineId, http.Member(), ct, operatorMaySee: true);
        var view = await session.LoadAsync<InvoiceView>(InvoiceIds.StreamOf(machineId, period), ct);
        if (view?.DocumentCid is not { } cid) throw DomainException.NotFound("Invoice", invoiceId);
        try
        {
            return TypedResults.File(await store.GetAsync(Cid.Parse(cid), ct), DocumentContentType);
        }
        catch (ContentNotFoundException)
        {
            throw new DomainException(StatusCodes.Status502BadGateway, "content-missing", $"The off-chain store does not hold {cid}.");
        }
        catch (ContentIntegrityException ex)
        {
            throw new DomainException(StatusCodes.Status502BadGateway, "content-integrity", ex.Message);
        }
    }

    private static async Task<Ok<IReadOnlyList<InvoiceView>>> List(Guid machineId, HttpContext http, IQuerySession session, IMachineRegistry registry, CancellationToken ct)
    {
        await MachineAccess.LoadVisibleAsync(session, registry, machineId, http.Member(), ct, operatorMaySee: true);
        return TypedResults.Ok<IReadOnlyList<InvoiceView>>(await session.Query<InvoiceView>().Where(i => i.MachineId == machineId).OrderBy(i => i.Period).ToListAsync(ct));
    }
}
