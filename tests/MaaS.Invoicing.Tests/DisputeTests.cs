using System.Numerics;
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

    private async Task<(TestMachine Machine, List<(MaaS.Contracts.Anchoring.TelemetryBatchAnchored Anchored, List<Reading> Readings)> Batches)> MachineWithTelemetryAsync()
    {
        // The chain is shared with suites that move its clock (evm_increaseTime, hours at a time): when a jump lands between
        // the acceptance and the anchoring, the batches fall after period 0's cut-off and the scene is not the one this class
        // tests. Then set it up again on a new machine (a few times at most); the assertions below never relax.
        for (var attempt = 1; ; attempt++)
        {
            var scene = await TryMachineWithTelemetryAsync();
            if (scene is { } ready) return ready;
            if (attempt == 3) throw new InvalidOperationException("precondition: three machines in a row had a batch anchored after period 0's cut-off (the shared chain's clock kept jumping)");
        }
    }

    private async Task<(TestMachine Machine, List<(MaaS.Contracts.Anchoring.TelemetryBatchAnchored Anchored, List<Reading> Readings)> Batches)?> TryMachineWithTelemetryAsync()
    {
        // 20 s periods: both batches must be anchored before period 0's cut-off, and one anchoring round can take several
        // seconds on the shared chain (with 8 s periods the second batch was once anchored after the cut-off).
        var machine = await World.MachineAsync(World.ForeignOem, periodSeconds: 20);
        var batches = new List<(MaaS.Contracts.Anchoring.TelemetryBatchAnchored, List<Reading>)>();
        for (var b = 0; b < 2; b++)
        {
            var readings = Enumerable.Range((b * 5) + 1, 5).Select(i => InvoicingWorld.Reading(machine.Id, i, machine.At(0, i * 100), produced: 3, rejected: i % 2)).ToList();
            var anchored = await World.AnchorAsync(machine.Id, b + 1, readings);
            if (await World.BlockTimeAsync(anchored.Block) >= machine.Window(0).CutoffMs / 1000) return null;
            batches.Add((anchored, readings));
        }
        return (machine, batches);
    }

    private static BatchAnchor Anchor(MaaS.Contracts.Anchoring.TelemetryBatchAnchored a, long blockTime) =>
        new(a.MachineId, a.BatchSeq, a.Count, a.BatchRoot, a.Cid, a.RoundId, a.LeafIndex, a.RoundSize, a.RoundPath, a.RoundRoot, a.Block, blockTime, a.TransactionHash.ToLowerInvariant());

    /// <summary>The test as the foreign OEM: stores <paramref name="document"/> and issues it for period 0 with <paramref name="total"/>.</summary>
    private async Task IssueAsync(TestMachine machine, InvoiceDocument document, long total)
    {
        var period = machine.Window(0);
        await World.ChainTimePassesAsync(period.CutoffMs / 1000);
        var cid = await World.Store.PutAsync(document.Canonical());
        await World.SendAsync(World.ForeignOem.Key, World.InvoicingContract.IssueInvoice("", World.ForeignOem.Account, Bytes32.FromGuid(machine.Id), 0, new BigInteger(total),
            cid.ToDigestBytes(), Convert.FromHexString(document.InputsRoot), 1));
    }

    private async Task<InvoiceDocument> HonestAsync(TestMachine machine, IEnumerable<(MaaS.Contracts.Anchoring.TelemetryBatchAnchored Anchored, List<Reading> Readings)> batches)
    {
        var period = machine.Window(0);
        var anchored = new List<AnchoredReadings>();
        foreach (var (a, readings) in batches) anchored.Add(new AnchoredReadings(Anchor(a, await World.BlockTimeAsync(a.Block)), readings));
        return InvoiceCalculator.Compute(period, new InvoiceBasis(World.ForeignOem.Account, World.Customer.Account, 1, Cid.Compute(machine.Terms.Canonical()).DigestHex, machine.Terms),
            InvoiceCalculator.Select(period, anchored, new HashSet<long>()));
    }

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
        var (machine, batches) = await MachineWithTelemetryAsync();
        var honest = await HonestAsync(machine, batches);
        await IssueAsync(machine, honest, honest.Total);
        var view = await World.InvoiceAsync(World.Customer, machine.Id, 0, i => i is { State: InvoiceState.Accepted, Final: true });
        view.LastVerification!.Ok.ShouldBeTrue();
    }

    [Fact]
    public async Task ATamperedReading_IsDisputed()
    {
        var (machine, batches) = await MachineWithTelemetryAsync();
        var honest = await HonestAsync(machine, batches);
        var tampered = batches.Select((b, i) => i == 0 ? (b.Anchored, b.Readings.Select(r => r.Seq == 2 ? r with { Produced = 300 } : r).ToList()) : b).ToList();
        var forged = await HonestAsync(machine, tampered);
        forged.Total.ShouldNotBe(honest.Total);
        await IssueAsync(machine, forged, forged.Total);
        var view = await DisputedAsync(machine, honest);
        view.LastVerification!.Checks.Single(c => c.Name == "recomputed").Ok.ShouldBeFalse();
    }

    [Fact]
    public async Task AMissingBatch_IsDisputed()
    {
        var (machine, batches) = await MachineWithTelemetryAsync();
        var honest = await HonestAsync(machine, batches);
        var partial = await HonestAsync(machine, batches.Take(1));
        honest.Inputs.Count.ShouldBe(2);
        partial.Inputs.Count.ShouldBe(1);
        partial.Total.ShouldNotBe(honest.Total);
        await IssueAsync(machine, partial, partial.Total);
        await DisputedAsync(machine, honest);
    }

    [Fact]
    public async Task AWrongTotal_IsDisputed()
    {
        var (machine, batches) = await MachineWithTelemetryAsync();
        var honest = await HonestAsync(machine, batches);
        await IssueAsync(machine, honest, honest.Total + 1_000);
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
