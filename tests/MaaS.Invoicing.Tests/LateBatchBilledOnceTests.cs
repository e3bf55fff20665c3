using MaaS.Chain.Contracts;
using MaaS.Contracts.Anchoring;
using MaaS.Contracts.Invoicing;
using MaaS.Invoicing.Invoices;
using MaaS.Invoicing.Tests.Support;
using MaaS.OffChain;
using MaaS.OffChain.Invoicing;
using Shouldly;

namespace MaaS.Invoicing.Tests;

public sealed class LateBatchBilledOnceFixture : WorldFixture
{
    protected override string Purpose => "invoicinglatebatch";
}

/// <summary>
/// A batch anchored before period 0's cut-off reaches the OEM's node only after it issued period 0 (RabbitMQ routes
/// <see cref="TelemetryBatchAnchored"/> away from the Invoicing queue meanwhile), but before period 1 is due: period 1 bills
/// it, since no earlier invoice did. The customer's node is told of period 0's issue only after it accepted period 1 (its
/// <see cref="InvoiceIssued"/> is held back the same way). Before the fix its recomputation of period 0 included the batch,
/// it disputed, the OEM's node re-issued period 0 with the batch and the customer's node accepted: the batch was billed in
/// two accepted invoices (docs/invoicing.md §3, §10). This deployment holds both keys, so one Invoicing service is both nodes.
/// </summary>
[Trait("Category", "Integration")]
public sealed class LateBatchBilledOnceTests(LateBatchBilledOnceFixture fixture) : IClassFixture<LateBatchBilledOnceFixture>
{
    private InvoicingWorld World => fixture.World;

    [Fact]
    public async Task ABatchBilledByPeriod1_IsNotBilledAgainInPeriod0_WhenPeriod0IsVerifiedLate()
    {
        for (var attempt = 1; ; attempt++)
        {
            if (attempt > 3) throw new InvalidOperationException(HeldAnnouncements.ClockKeptJumping);
            var machine = await World.MachineAsync(World.Oem, periodSeconds: PeriodZeroTelemetry.PeriodSeconds);
            if (await World.AnchorInTimeAsync(machine, 1) is not { } known) continue;

            await using var batchesHeld = await World.HoldBatchAnchoredAsync();
            await using var issuesHeld = await World.HoldInvoiceIssuedAsync();
            if (await World.AnchorInTimeAsync(machine, 2) is not { } late) continue;

            var revision0 = await World.InvoiceAsync(World.Oem, machine.Id, 0, i => i is { State: InvoiceState.Issued, Final: true }, TimeSpan.FromSeconds(150));
            var period0Issued = await World.IssuedMessageAsync(machine.Id, 0);
            // Precondition: the OEM's node issued period 0 without batch 2.
            (await BatchesOfAsync(revision0.InvoiceHash!)).ShouldBe([1L]);

            // Batch 2's announcement reaches the OEM's node late (published again, as a redelivery would), before period 1 is due.
            await World.DeliverLateAsync(batchesHeld, late.Anchored);

            var period1 = await World.InvoiceAsync(World.Oem, machine.Id, 1, i => i is { State: InvoiceState.Issued, Final: true }, TimeSpan.FromSeconds(150));
            // Precondition: period 1 bills batch 2 (no earlier invoice did), so a correction of period 0 with it bills it twice.
            (await BatchesOfAsync(period1.InvoiceHash!)).ShouldBe([2L]);
            var period1Issued = await World.IssuedMessageAsync(machine.Id, 1);

            // The customer's node verifies period 1 first and accepts it, then period 0.
            await issuesHeld.DisposeAsync();
            await World.PublishAsync(period1Issued);
            await World.InvoiceAsync(World.Customer, machine.Id, 1, i => i is { State: InvoiceState.Accepted, Final: true }, TimeSpan.FromSeconds(120));
            await World.PublishAsync(period0Issued);
            var period0 = await World.InvoiceAsync(World.Customer, machine.Id, 0, i => i is { State: InvoiceState.Accepted, Final: true }, TimeSpan.FromSeconds(150));

            // What the chain holds: each period's latest revision, accepted, and its document (believed as far as it hashes to the chain).
            var billed = new List<long>();
            foreach (var (period, view) in new[] { (0u, period0), (1u, await World.InvoiceAsync(World.Customer, machine.Id, 1, _ => true)) })
            {
                var onChain = (await World.InvoicingContract.InvoiceAsync(Bytes32.FromGuid(machine.Id), period)).ShouldNotBeNull();
                onChain.Status.ShouldBe(InvoiceStatus.Accepted);
                onChain.Revision.ShouldBe(view.Revision);
                var document = InvoiceDocument.Parse(await World.Store.GetAsync(Cid.FromDigestHex(view.InvoiceHash!)));
                billed.AddRange(document.Inputs.SelectMany(i => i.AllSeqs()));
            }
            billed.Count(s => late.Readings.Any(r => r.Seq == s)).ShouldBe(late.Readings.Count, "batch 2's readings are billed exactly once");
            billed.GroupBy(s => s).Where(g => g.Count() > 1).Select(g => g.Key).ShouldBeEmpty("no reading is billed twice");
            billed.Order().ShouldBe(known.Readings.Concat(late.Readings).Select(r => r.Seq).Order(), "every reading is billed");
            return;
        }
    }

    private async Task<IReadOnlyList<long>> BatchesOfAsync(string invoiceHash) =>
        [.. InvoiceDocument.Parse(await World.Store.GetAsync(Cid.FromDigestHex(invoiceHash))).Inputs.Select(i => i.Anchor.Batch)];
}
