using MaaS.Contracts.Anchoring;
using MaaS.Contracts.Invoicing;
using MaaS.Invoicing.Batches;
using MaaS.Invoicing.Invoices;
using MaaS.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace MaaS.Invoicing.Tests.Support;

/// <summary>
/// Holds back, at RabbitMQ, what the Invoicing service is told, as if a message were delayed beyond the moment a test is
/// about: the binding from a message type's exchange to the service's receive endpoint is removed until the returned
/// handle is disposed (the broker's topology only, nothing in the service).
/// </summary>
public static class HeldAnnouncements
{
    // MassTransit's exchange of each message type, and the Invoicing service's receive endpoint of it (queues carry the
    // service's name as prefix).
    private const string BatchAnchoredExchange = "MaaS.Contracts.Anchoring:TelemetryBatchAnchored";
    private const string BatchAnchoredEndpoint = "invoicing-telemetry-batch-anchored";
    private const string InvoiceIssuedExchange = "MaaS.Contracts.Invoicing:InvoiceIssued";
    private const string InvoiceIssuedEndpoint = "invoicing-invoice-issued";

    /// <summary>Anchored batches do not reach the Invoicing service (the OEM's node misses them) until disposed.</summary>
    public static Task<IAsyncDisposable> HoldBatchAnchoredAsync(this InvoicingWorld world) =>
        world.Environment.UnbindAsync(BatchAnchoredExchange, BatchAnchoredEndpoint);

    /// <summary>Issued invoices do not reach the Invoicing service (the customer's node verifies later) until disposed.</summary>
    public static Task<IAsyncDisposable> HoldInvoiceIssuedAsync(this InvoicingWorld world) =>
        world.Environment.UnbindAsync(InvoiceIssuedExchange, InvoiceIssuedEndpoint);

    /// <summary>
    /// A held batch's announcement reaches the service late: the hold ends, the message is published again (as a
    /// redelivery would), and this returns once the service recorded the batch.
    /// </summary>
    public static async Task DeliverLateAsync(this InvoicingWorld world, IAsyncDisposable batchesHeld, TelemetryBatchAnchored late)
    {
        await batchesHeld.DisposeAsync();
        await world.PublishAsync(late);
        var store = world.Invoicing.Services.GetRequiredService<IDocumentStore>();
        await Eventually.TrueAsync(async () =>
        {
            await using var session = store.QuerySession();
            return await session.LoadAsync<AnchoredBatch>(AnchoredBatch.IdFor(late.MachineId, late.BatchSeq)) is not null;
        }, $"the Invoicing service to record batch {late.BatchSeq}");
    }

    /// <summary>The <see cref="InvoiceIssued"/> of a period's revision 0, once published (it may be held from the service).</summary>
    public static Task<InvoiceIssued> IssuedMessageAsync(this InvoicingWorld world, Guid machine, uint period) =>
        Eventually.GetAsync(
            () => Task.FromResult(world.Published<InvoiceIssued>().FirstOrDefault(e => e.MachineId == machine && e.Period == period && e.Revision == 0)),
            $"period {period}'s InvoiceIssued to be published");

    /// <summary>
    /// Whether period 1 was computed before the OEM's node answered the dispute of period 0's revision 0: a jump of the shared
    /// chain's clock (another suite's evm_increaseTime) can make period 1 due at once, and it then bills the late batch; the
    /// dispute rightly stands and there is no revision 1, so a test about the correction sets its scene up again.
    /// </summary>
    public static async Task<bool> Period1CameFirstAsync(this InvoicingWorld world, Guid machine)
    {
        var store = world.Invoicing.Services.GetRequiredService<IDocumentStore>();
        var first = await Eventually.GetAsync(async () =>
        {
            await using var session = store.QuerySession();
            var invoices = await session.Query<InvoiceView>().Where(i => i.MachineId == machine).ToListAsync();
            if (invoices.Any(i => i.Period == 1)) return "period 1";
            return invoices.SingleOrDefault(i => i.Period == 0)?.LastDisputeAnswer is { Revision: 0 } ? "the answer" : null;
        }, "the OEM's node to answer the dispute of period 0, or to compute period 1", TimeSpan.FromSeconds(120));
        return first == "period 1";
    }

    /// <summary>Why a test gives up setting its scene up again (see <see cref="PeriodZeroTelemetry"/>).</summary>
    public const string ClockKeptJumping =
        "precondition: three machines in a row had a batch anchored after period 0's cut-off (the shared chain's clock kept jumping)";
}
