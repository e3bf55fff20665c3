using MaaS.Chain.Contracts;
using MaaS.Contracts.Invoicing;
using MaaS.Invoicing.Invoices;
using MaaS.Invoicing.Tests.Support;
using MaaS.OffChain;
using MaaS.OffChain.Invoicing;
using MaaS.Testing;
using Shouldly;

namespace MaaS.Invoicing.Tests;

public sealed class DisputeFixture : WorldFixture
{
    protected override string Purpose => "invoicingdispute";
}

/// <summary>
/// An OEM whose key this deployment does not hold issues invoices itself (here: the test, right or wrong); the customer's
/// node verifies each on its own and disputes what it cannot recompute, with its own document as evidence.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DisputeTests(DisputeFixture fixture) : IClassFixture<DisputeFixture>
{
    private InvoicingWorld World => fixture.World;

    private async Task<InvoiceView> DisputedAsync(TestMachine machine, InvoiceDocument honest)
    {
        var view = await World.InvoiceAsync(World.Customer, machine.Id, 0, i => i is { State: InvoiceState.Disputed, Final: true });
        // The evidence is the customer's own recomputation, which is the honest document.
        view.EvidenceCid.ShouldBe(honest.Cid().V0);
        (await World.Store.GetAsync(Cid.Parse(view.EvidenceCid!))).ShouldBe(honest.Canonical());
        await Eventually.TrueAsync(() => Task.FromResult(World.Published<InvoiceDisputed>().Any(e => e.MachineId == machine.Id)), "InvoiceDisputed to be published");
        return view;
    }

    [Fact]
    public async Task HonestInvoiceOfAnotherDeploymentsOem_IsAccepted()
    {
        var (machine, batches) = await World.MachineWithTelemetryAsync(World.ForeignOem);
        var honest = await World.HonestAsync(machine, batches);
        await World.IssueAsForeignOemAsync(machine, honest, honest.Total);
        var view = await World.InvoiceAsync(World.Customer, machine.Id, 0, i => i is { State: InvoiceState.Accepted, Final: true });
        view.LastVerification!.Ok.ShouldBeTrue();
    }

    [Fact]
    public async Task ATamperedReading_IsDisputed()
    {
        var (machine, batches) = await World.MachineWithTelemetryAsync(World.ForeignOem);
        var honest = await World.HonestAsync(machine, batches);
        var tampered = batches.Select((b, i) => i == 0 ? (b.Anchored, b.Readings.Select(r => r.Seq == 2 ? r with { Produced = 300 } : r).ToList()) : b).ToList();
        var forged = await World.HonestAsync(machine, tampered);
        forged.Total.ShouldNotBe(honest.Total);
        await World.IssueAsForeignOemAsync(machine, forged, forged.Total);
        var view = await DisputedAsync(machine, honest);
        view.LastVerification!.Checks.Single(c => c.Name == "recomputed").Ok.ShouldBeFalse();
    }

    [Fact]
    public async Task AMissingBatch_IsDisputed()
    {
        var (machine, batches) = await World.MachineWithTelemetryAsync(World.ForeignOem);
        var honest = await World.HonestAsync(machine, batches);
        var partial = await World.HonestAsync(machine, batches.Take(1));
        honest.Inputs.Count.ShouldBe(2);
        partial.Inputs.Count.ShouldBe(1);
        partial.Total.ShouldNotBe(honest.Total);
        await World.IssueAsForeignOemAsync(machine, partial, partial.Total);
        await DisputedAsync(machine, honest);
    }

    [Fact]
    public async Task AWrongTotal_IsDisputed()
    {
        var (machine, batches) = await World.MachineWithTelemetryAsync(World.ForeignOem);
        var honest = await World.HonestAsync(machine, batches);
        await World.IssueAsForeignOemAsync(machine, honest, honest.Total + 1_000);
        var view = await DisputedAsync(machine, honest);
        view.LastVerification!.Checks.Single(c => c.Name == "claims").Ok.ShouldBeFalse();
    }

    [Fact]
    public async Task ADisputeOfAnHonestInvoice_IsAnsweredByTheOemsNode_AndStands()
    {
        // This deployment holds the OEM's key (its run issues) but not this customer's: the test disputes as the customer,
        // with evidence that is not the invoice. The OEM's node computes again, finds its own document, and lets the dispute stand.
        var machine = await World.MachineAsync(World.Oem, periodSeconds: 20, customer: World.ForeignCustomer);
        var issued = await World.InvoiceAsync(World.Oem, machine.Id, 0, i => i is { State: InvoiceState.Issued, Final: true }, TimeSpan.FromSeconds(150));
        var bogus = await World.Store.PutAsync("this is not the invoice"u8.ToArray());
        await World.SendAsync(World.ForeignCustomer.Key, World.InvoicingContract.DisputeInvoice("", World.ForeignCustomer.Account, Bytes32.FromGuid(machine.Id), 0,
            issued.Revision, bogus.ToDigestBytes()));

        var answered = await World.InvoiceAsync(World.Oem, machine.Id, 0, i => i.LastDisputeAnswer is not null);
        answered.State.ShouldBe(InvoiceState.Disputed);
        answered.EvidenceCid.ShouldBe(bogus.V0);
        answered.LastDisputeAnswer!.Revision.ShouldBe(issued.Revision);
        answered.LastDisputeAnswer.Reissued.ShouldBeFalse();
        answered.LastDisputeAnswer.EvidenceMatches.ShouldBeFalse();
        answered.LastDisputeAnswer.RecomputedCid.ShouldBe(issued.DocumentCid);
        answered.Revision.ShouldBe(issued.Revision);
        (await World.InvoicingContract.InvoiceAsync(Bytes32.FromGuid(machine.Id), 0))!.Revision.ShouldBe(issued.Revision);
    }
}
