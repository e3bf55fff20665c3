using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MaaS.Chain.Contracts;
using MaaS.Contracts.Invoicing;
using MaaS.Invoicing.Invoices;
using MaaS.Invoicing.Tests.Support;
using MaaS.OffChain;
using MaaS.OffChain.Invoicing;
using MaaS.OffChain.Telemetry;
using MaaS.Testing;
using Shouldly;

namespace MaaS.Invoicing.Tests;

public sealed class InvoicingFlowFixture : WorldFixture
{
    protected override string Purpose => "invoicingflow";
}

/// <summary>
/// The OEM's node invoices each ended period from anchored readings; the customer's node (the same deployment holds both
/// keys here) verifies and accepts; late data goes to the next period; a period without telemetry is the base fee.
/// </summary>
[Trait("Category", "Integration")]
public sealed class InvoicingFlowTests(InvoicingFlowFixture fixture) : IClassFixture<InvoicingFlowFixture>
{
    private InvoicingWorld World => fixture.World;

    [Fact]
    public async Task Invoice_FromAnchoredReadings_IsIssuedVerifiedAccepted_AndLateDataGoesToTheNextPeriod()
    {
        // Periods long enough that the late batch, anchored right after period 0's cut-off, is anchored and announced well
        // before period 1's cut-off (its anchoring takes a second or two on the shared chain).
        var machine = await World.MachineAsync(periodSeconds: 20);
        var first = Enumerable.Range(1, 6).Select(i => InvoicingWorld.Reading(machine.Id, i, machine.At(0, i * 100), produced: 10, rejected: i == 3 ? 2 : 0)).ToList();
        var second = Enumerable.Range(7, 4).Select(i => InvoicingWorld.Reading(machine.Id, i, machine.At(0, i * 100), i is 8 or 9 ? ReadingStatus.Malfunctioning : ReadingStatus.Running)).ToList();
        await World.AnchorAsync(machine.Id, 1, first);
        await World.AnchorAsync(machine.Id, 2, second);

        // A reading of period 0 anchored after period 0's cut-off (by chain time) is billed in period 1, once.
        await World.ChainTimePassesAsync(machine.Window(0).CutoffMs / 1000);
        var late = new[] { InvoicingWorld.Reading(machine.Id, 11, machine.At(0, 7_000), produced: 4) };
        var lateAnchored = await World.AnchorAsync(machine.Id, 3, late);
        var lateBlockTime = await World.BlockTimeAsync(lateAnchored.Block);
        lateBlockTime.ShouldBeGreaterThanOrEqualTo(machine.Window(0).CutoffMs / 1000);
        lateBlockTime.ShouldBeLessThan(machine.Window(1).CutoffMs / 1000, "precondition: the late batch was anchored within period 1's window");

        var invoice = await World.InvoiceAsync(World.Oem, machine.Id, 0, i => i is { State: InvoiceState.Accepted, Final: true });
        invoice.Revision.ShouldBe((ushort)0);
        invoice.TermsVersion.ShouldBe(1u);

        // The document on chain is what anyone recomputes from the same anchored readings, byte for byte.
        using var oem = World.InvoicingAs(World.Oem);
        var bytes = await oem.GetByteArrayAsync($"/api/invoicing/invoices/{invoice.InvoiceId}/document");
        Cid.Compute(bytes).DigestHex.ShouldBe(invoice.InvoiceHash);
        var document = InvoiceDocument.Parse(bytes);
        var anchors = document.Inputs.Select(i => i.Anchor).ToList();
        anchors.Select(a => a.Batch).ShouldBe([1L, 2L]);
        var recomputed = InvoiceCalculator.Compute(document.Period, new InvoiceBasis(World.Oem.Account, World.Customer.Account, 1, document.TermsHash, machine.Terms),
            [new AnchoredReadings(anchors[0], first), new AnchoredReadings(anchors[1], second)]);
        recomputed.Canonical().ShouldBe(bytes);
        document.Lines.Single(l => l.Rule == "items").Quantity.ShouldBe(98);
        document.Total.ShouldBe(invoice.Total!.Value);
        document.Inputs.SelectMany(i => i.AllSeqs()).ShouldNotContain(11);
        var onChain = await World.InvoicingContract.InvoiceAsync(Bytes32.FromGuid(machine.Id), 0);
        onChain!.Status.ShouldBe(InvoiceStatus.Accepted);
        onChain.Commitment.ShouldBe(World.InvoicingContract.InvoiceCommitment(Bytes32.FromGuid(machine.Id), 0, 0, 1, document.Total,
            Convert.FromHexString(invoice.InvoiceHash!), Convert.FromHexString(document.InputsRoot))[..28]);

        var next = await World.InvoiceAsync(World.Oem, machine.Id, 1, i => i is { State: InvoiceState.Accepted, Final: true });
        var nextDocument = InvoiceDocument.Parse(await oem.GetByteArrayAsync($"/api/invoicing/invoices/{next.InvoiceId}/document"));
        nextDocument.Inputs.ShouldHaveSingleItem().Anchor.Batch.ShouldBe(3);
        nextDocument.Inputs.Single().AllSeqs().ShouldBe([11L]);
        nextDocument.Lines.Single(l => l.Rule == "items").Quantity.ShouldBe(4);

        await Eventually.TrueAsync(() => Task.FromResult(World.Published<InvoiceIssued>().Any(e => e.MachineId == machine.Id && e.Period == 0)
            && World.Published<InvoiceAccepted>().Any(e => e.MachineId == machine.Id && e.Period == 0)), "InvoiceIssued and InvoiceAccepted to be published");
        World.Published<InvoiceIssued>().Count(e => e.MachineId == machine.Id && e.Period == 0).ShouldBe(1);
    }

    [Fact]
    public async Task APeriodWithoutTelemetry_IsTheBaseFee_AndTheOemSettlesIt()
    {
        var machine = await World.MachineAsync();
        var invoice = await World.InvoiceAsync(World.Oem, machine.Id, 0, i => i is { State: InvoiceState.Accepted, Final: true });
        invoice.Total.ShouldBe(InvoicingWorld.StandardTerms.BaseFee);

        using var customer = World.InvoicingAs(World.Customer);
        using var refused = await customer.PostAsync($"/api/invoicing/invoices/{invoice.InvoiceId}/settle", null);
        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        using var oem = World.InvoicingAs(World.Oem);
        using var settle = await oem.PostAsync($"/api/invoicing/invoices/{invoice.InvoiceId}/settle", null);
        settle.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await World.InvoiceAsync(World.Oem, machine.Id, 0, i => i is { State: InvoiceState.Settled, Final: true });
        await Eventually.TrueAsync(() => Task.FromResult(World.Published<InvoiceSettled>().Any(e => e.MachineId == machine.Id)), "InvoiceSettled to be published");
    }

    [Fact]
    public async Task NewTerms_AcceptedByTheCustomer_ApplyFromTheNextPeriod()
    {
        // Long periods: v2 must be set and accepted within period 0 (nothing here waits for a period to end).
        var machine = await World.MachineAsync(periodSeconds: 300);
        using var oem = World.InvoicingAs(World.Oem);
        var terms = InvoicingWorld.StandardTerms with { BaseFee = 77_000 };
        using var set = await oem.PostAsJsonAsync($"/api/invoicing/machines/{machine.Id}/terms", new { terms = JsonDocument.Parse(terms.Canonical()).RootElement });
        set.StatusCode.ShouldBe(HttpStatusCode.Accepted, await set.Content.ReadAsStringAsync());
        await Eventually.TrueAsync(async () => (await World.InvoicingContract.CurrentTermsAsync(Bytes32.FromGuid(machine.Id)))?.LatestVersion == 2, "terms version 2 on chain");

        using var customer = World.InvoicingAs(World.Customer);
        using var accept = await customer.PostAsync($"/api/invoicing/machines/{machine.Id}/terms/2/accept", null);
        accept.StatusCode.ShouldBe(HttpStatusCode.Accepted, await accept.Content.ReadAsStringAsync());
        await Eventually.TrueAsync(async () => (await World.InvoicingContract.CurrentTermsAsync(Bytes32.FromGuid(machine.Id)))?.ActiveVersion == 2, "terms version 2 active");

        var view = await customer.GetFromJsonAsync<JsonElement>($"/api/invoicing/machines/{machine.Id}/terms");
        var versions = view.GetProperty("versions").EnumerateArray().ToList();
        versions[0].GetProperty("fromPeriod").GetUInt32().ShouldBe(0u);
        versions[0].GetProperty("untilPeriod").GetUInt32().ShouldBe(1u);
        versions[1].GetProperty("fromPeriod").GetUInt32().ShouldBe(1u);
        versions[1].GetProperty("document").GetProperty("baseFee").GetInt64().ShouldBe(77_000);
        Cid.Parse(versions[1].GetProperty("cid").GetString()!).ShouldBe(Cid.Compute(terms.Canonical()));
    }

    [Fact]
    public async Task Termination_TriggersAFinalInvoice_AndNoInvoiceAfterIt()
    {
        var machine = await World.MachineAsync();
        var id = Bytes32.FromGuid(machine.Id);
        await World.SendAsync(World.Oem.Key, World.Registry.RequestTermination("", World.Oem.Account, id));
        var terminated = await World.SendAsync(World.Customer.Key, World.Registry.RequestTermination("", World.Customer.Account, id));
        var terminatedAt = await World.BlockTimeAsync((long)terminated.BlockNumber.Value);
        var last = (uint)((terminatedAt - machine.EpochSeconds) / machine.PeriodSeconds);

        var final = await World.InvoiceAsync(World.Oem, machine.Id, last, i => i is { State: InvoiceState.Accepted, Final: true }, TimeSpan.FromSeconds(150));
        InvoiceDocument.Parse(await World.Store.GetAsync(Cid.Parse(final.DocumentCid!))).Period.Final.ShouldBeTrue();

        // Nothing after it: a machine accepted after the final period ended has its period 0 due no earlier than the
        // terminated machine's next period would be, and the run passes over every machine in each round, so once that
        // machine's first invoice exists the run has seen the terminated machine's next period due and left it alone.
        await World.ChainTimePassesAsync(machine.Window(last).EndMs / 1000);
        var control = await World.MachineAsync();
        await World.InvoiceAsync(World.Oem, control.Id, 0, i => i.State >= InvoiceState.Issued, TimeSpan.FromSeconds(150));
        using var oem = World.InvoicingAs(World.Oem);
        var invoices = await oem.GetFromJsonAsync<JsonElement>($"/api/invoicing/machines/{machine.Id}/invoices");
        invoices.EnumerateArray().Select(i => i.GetProperty("period").GetUInt32()).Max().ShouldBe(last);
    }
}
