using MaaS.OffChain;
using MaaS.OffChain.Invoicing;
using MaaS.OffChain.Telemetry;
using Shouldly;

namespace MaaS.Invoicing.Tests.Deciders;

/// <summary>The pure calculation and verification (no servers): rules, edge cases, determinism.</summary>
public sealed class InvoiceCalculatorTests
{
    private static readonly Guid Machine = Guid.Parse("0193a6f0-0000-7000-8000-0000000000aa");
    private static readonly PricingTerms Terms = new("EUR", 10_000, 25, new QualityRule(500, 7), new AvailabilityRule(8_000, 3, 2, 5_000, 4_000), new MaintenanceRule(2, 100));
    private static readonly InvoicePeriod Period = InvoicePeriod.Of(Machine, 0, 1_764_000_000, 3600, 60, final: false);
    private static readonly InvoiceBasis Basis = new("0x00000000000000000000000000000000000000a1", "0x00000000000000000000000000000000000000c1", 1, new string('7', 64), Terms);

    private static Reading R(long seq, ReadingStatus status = ReadingStatus.Running, long produced = 10, long rejected = 0, long? ts = null) =>
        new(Machine, seq, ts ?? (Period.StartMs + (seq * 1000)), status, produced, rejected, new Dictionary<string, long> { ["temp_mc"] = 20_000 });

    /// <summary>A batch whose root, leaf and round (of one batch) are consistent, anchored at <paramref name="blockTime"/>.</summary>
    private static AnchoredReadings Batch(long batch, IReadOnlyList<Reading> readings, long? blockTime = null)
    {
        var root = MerkleTree.FromLeafData(readings.Select(r => r.Canonical()).ToList()).RootHex;
        var cid = Cid.Compute(System.Text.Encoding.UTF8.GetBytes($"blob {batch}")).V0;
        var leaf = new BatchLeaf(Machine, batch, readings.Count, root, cid).Canonical();
        var roundRoot = MerkleTree.FromLeafData([leaf]).RootHex;
        return new AnchoredReadings(new BatchAnchor(Machine, batch, readings.Count, root, cid, batch, 0, 1, [], roundRoot, 100 + batch,
            blockTime ?? (Period.EndMs / 1000) - 10, "0x" + new string('e', 64)), readings);
    }

    private static InvoiceDocument Compute(params AnchoredReadings[] batches) =>
        InvoiceCalculator.Compute(Period, Basis, InvoiceCalculator.Select(Period, batches, new HashSet<long>()));

    private static long Amount(InvoiceDocument d, string rule) => d.Lines.Single(l => l.Rule == rule).Amount;

    [Fact]
    public void SameInputs_GiveByteIdenticalDocuments_InAnyOrder_AndSurviveParsing()
    {
        var a = Batch(1, [.. Enumerable.Range(1, 20).Select(i => R(i, i % 4 == 0 ? ReadingStatus.Idle : ReadingStatus.Running, rejected: i % 3))]);
        var b = Batch(2, [.. Enumerable.Range(21, 10).Select(i => R(i))]);
        var first = Compute(a, b).Canonical();
        Compute(b, a).Canonical().ShouldBe(first);
        InvoiceDocument.Parse(first).Canonical().ShouldBe(first);
        Cid.Compute(first).V0.ShouldBe(Compute(a, b).Cid().V0);
    }

    [Fact]
    public void Items_BillGoodItemsOnly_WithTheirAnchors()
    {
        var d = Compute(Batch(1, [R(1, produced: 10, rejected: 1), R(2, produced: 5, rejected: 0)]));
        var items = d.Lines.Single(l => l.Rule == "items");
        items.Quantity.ShouldBe(14);
        items.Amount.ShouldBe(14 * 25);
        items.Anchors.ShouldHaveSingleItem().Round.ShouldBe(1);
        d.Lines.Select(l => l.Rule).ShouldBe(["base-fee", "items", "quality", "availability", "maintenance-sla"]);
    }

    [Theory]
    [InlineData(10_000, 500, 0)]      // exactly at the allowance: no penalty
    [InlineData(10_000, 501, -7)]     // one basis point above
    [InlineData(10_000, 600, -700)]
    [InlineData(0, 0, 0)]             // nothing produced: no rate, no penalty
    public void Quality_PenalisesEachBasisPointAboveTheAllowance(long produced, long rejected, long expected) =>
        InvoiceCalculator.Quality(Terms.Quality, produced, rejected, []).Amount.ShouldBe(expected);

    [Theory]
    [InlineData(100, 80, 0)]          // on target (8,000 bp)
    [InlineData(10_000, 7_999, -3)]   // one basis point below: penalty 3
    [InlineData(10_000, 8_001, 2)]    // one above: bonus 2
    [InlineData(100, 0, -5_000)]      // 0 %: 8,000 bp × 3 = 24,000, capped at 5,000
    [InlineData(100, 100, 4_000)]     // 100 %: 2,000 bp × 2 = 4,000, the cap exactly
    [InlineData(0, 0, 0)]             // no telemetry: the rule does not apply
    [InlineData(3, 2, -4_002)]        // 6,666 bp (rounded down): 1,334 below × 3, under the cap
    public void Availability_PenaltyBelow_BonusAbove_Capped(long planned, long running, long expected)
        => InvoiceCalculator.Availability(Terms.Availability, planned, running, []).Amount.ShouldBe(expected);

    [Fact]
    public void Availability_MaintenanceReadingsAreNotPlannedTime()
    {
        var d = Compute(Batch(1, [R(1), R(2, ReadingStatus.Maintenance), R(3, ReadingStatus.Maintenance), R(4, ReadingStatus.Idle)]));
        var line = d.Lines.Single(l => l.Rule == "availability");
        line.Basis.ShouldContain(("planned", 2L));
        line.Basis.ShouldContain(("availabilityBp", 5_000L));
        line.Amount.ShouldBe(-5_000); // 3,000 bp below × 3 = 9,000, capped
    }

    [Fact]
    public void Maintenance_EachReadingOfAnOutageBeyondTheAllowanceCosts()
    {
        var down = ReadingStatus.Malfunctioning;
        // outages: 3..4 (2 readings: allowed), 6..9 (4: 2 too many), 11 alone; 13..14 and 16 are split by the missing 15.
        var readings = new[] { R(1), R(2), R(3, down), R(4, ReadingStatus.Maintenance), R(5), R(6, down), R(7, down), R(8, down), R(9, down), R(10), R(11, down), R(12),
            R(13, down), R(14, down), R(16, down) };
        var line = Compute(Batch(1, readings)).Lines.Single(l => l.Rule == "maintenance-sla");
        line.Quantity.ShouldBe(2);
        line.Amount.ShouldBe(-200);
        line.Basis.ShouldContain(("outages", 5L));
        line.Basis.ShouldContain(("longestOutage", 4L));
    }

    [Fact]
    public void NoTelemetry_IsTheBaseFeeOnly()
    {
        var d = Compute();
        d.Total.ShouldBe(Terms.BaseFee);
        d.Inputs.ShouldBeEmpty();
        d.InputsRoot.ShouldBe(Convert.ToHexStringLower(Merkle.EmptyRoot()));
    }

    [Fact]
    public void PenaltiesBeyondTheFees_FloorTheTotalAtZero()
    {
        var harsh = Terms with { BaseFee = 0, PricePerItem = 0 };
        var d = InvoiceCalculator.Compute(Period, Basis with { Terms = harsh }, [Batch(1, [R(1, ReadingStatus.Idle), R(2, ReadingStatus.Idle)])]);
        d.Subtotal.ShouldBe(-5_000);
        d.Total.ShouldBe(0);
    }

    [Fact]
    public void Select_LeavesLateAndFutureReadingsForLaterPeriods_AndNeverBillsTwice()
    {
        var inTime = Batch(1, [R(1), R(2), R(3, ts: Period.EndMs)]);            // seq 3 is stamped in the next period
        var late = Batch(2, [R(4), R(5)], blockTime: Period.CutoffMs / 1000);     // anchored at the cut-off: next period
        var billedBefore = Batch(3, [R(6), R(7)]);
        var selected = InvoiceCalculator.Select(Period, [inTime, late, billedBefore], new HashSet<long> { 6, 7 });
        selected.SelectMany(b => b.Readings).Select(r => r.Seq).ShouldBe([1L, 2L]);

        var next = InvoicePeriod.Of(Machine, 1, 1_764_000_000, 3600, 60, final: false);
        InvoiceCalculator.Select(next, [inTime, late, billedBefore], new HashSet<long> { 1, 2, 6, 7 })
            .SelectMany(b => b.Readings).Select(r => r.Seq).ShouldBe([3L, 4L, 5L]);
    }

    [Fact]
    public void Verification_AcceptsTheHonestDocument()
    {
        var batch = Batch(1, [R(1), R(2, rejected: 3)]);
        var honest = Compute(batch);
        var verdict = Verify(honest.Canonical(), Issued(honest), [batch]);
        verdict.Checks.Where(c => !c.Ok).ShouldBeEmpty();
        verdict.Ok.ShouldBeTrue();
    }

    [Fact]
    public void Verification_CatchesATamperedReading()
    {
        var genuine = Batch(1, [R(1), R(2)]);
        var tampered = genuine with { Readings = [R(1), R(2, produced: 1_000)] };
        var forged = Compute(tampered);
        var verdict = Verify(forged.Canonical(), Issued(forged), [genuine]);
        verdict.Ok.ShouldBeFalse();
        verdict.Checks.Single(c => c.Name == "recomputed").Ok.ShouldBeFalse();
        verdict.Recomputed!.Canonical().ShouldBe(Compute(genuine).Canonical());
        // And the tampered lines never pass as the anchored batch: their root is another.
        Should.Throw<InvalidDataException>(() => AnchoredReadings.FromLines(genuine.Anchor, ReadingBatchEncoding.JoinLines(tampered.Readings.Select(r => r.Canonical()))));
    }

    [Fact]
    public void Verification_CatchesAMissingBatch()
    {
        var one = Batch(1, [R(1), R(2)]);
        var two = Batch(2, [R(3), R(4)]);
        var partial = Compute(one);
        var verdict = Verify(partial.Canonical(), Issued(partial), [one, two]);
        verdict.Checks.Single(c => c.Name == "recomputed").Ok.ShouldBeFalse();
        verdict.Recomputed!.Inputs.Count.ShouldBe(2);
    }

    [Fact]
    public void Verification_CatchesAWrongTotalOnChain()
    {
        var batch = Batch(1, [R(1)]);
        var honest = Compute(batch);
        var verdict = Verify(honest.Canonical(), Issued(honest) with { Total = honest.Total + 1 }, [batch]);
        verdict.Checks.Single(c => c.Name == "claims").Ok.ShouldBeFalse();
        verdict.Ok.ShouldBeFalse();
    }

    [Fact]
    public void Verification_CatchesAnAnchorTheChainDoesNotHold()
    {
        var batch = Batch(1, [R(1)]);
        var honest = Compute(batch);
        var verdict = InvoiceVerification.Verify(Issued(honest), honest.Canonical(), Period, Basis, new Dictionary<long, string> { [1] = new string('0', 64) }, [batch], new HashSet<long>());
        verdict.Checks.Single(c => c.Name == "anchors").Ok.ShouldBeFalse();
    }

    private static IssuedInvoice Issued(InvoiceDocument d) => new(Machine, d.Period.Period, 0, d.TermsVersion, d.Total, d.Cid().DigestHex, d.InputsRoot);

    private static InvoiceVerdict Verify(byte[] document, IssuedInvoice issued, IReadOnlyList<AnchoredReadings> known) =>
        InvoiceVerification.Verify(issued, document, Period, Basis, known.ToDictionary(k => k.Anchor.RoundId, k => k.Anchor.RoundRoot), known, new HashSet<long>());
}
