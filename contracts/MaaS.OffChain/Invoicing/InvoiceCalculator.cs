using MaaS.OffChain.Telemetry;

namespace MaaS.OffChain.Invoicing;

/// <summary>
/// The billing period an invoice is for: readings with a timestamp before <see cref="EndMs"/> from batches anchored in a
/// block whose time is before <see cref="CutoffMs"/> (the period end plus the grace for late data), not billed before.
/// </summary>
public sealed record InvoicePeriod(Guid Machine, uint Period, long StartMs, long EndMs, long CutoffMs, bool Final)
{
    /// <summary>Period <paramref name="period"/> of terms whose period 0 started at <paramref name="epochSeconds"/> (the acceptance block's time).</summary>
    public static InvoicePeriod Of(Guid machine, uint period, long epochSeconds, uint billingPeriodSeconds, long graceSeconds, bool final)
    {
        var start = checked((epochSeconds + ((long)period * billingPeriodSeconds)) * 1000);
        var end = checked(start + ((long)billingPeriodSeconds * 1000));
        return new InvoicePeriod(machine, period, start, end, checked(end + (graceSeconds * 1000)), final);
    }
}

/// <summary>Who issues and who pays, and the terms the invoice is computed under.</summary>
public sealed record InvoiceBasis(string Oem, string Customer, uint TermsVersion, string TermsHash, PricingTerms Terms);

/// <summary>
/// The deterministic invoice calculation (docs/invoicing.md §3): pure, integer arithmetic only (checked 64-bit), so the OEM's
/// node, the customer's node and any third party holding the same inputs compute the same document, byte for byte.
/// </summary>
public static class InvoiceCalculator
{
    /// <summary>
    /// Which readings the invoice bills: from batches anchored before the cut-off, those stamped before the period's end and
    /// not in <paramref name="alreadyBilled"/> (the sequence numbers the latest revisions of the machine's invoices of every other
    /// period bill, later ones included, so a period's correction never bills what the next period already did). A reading anchored
    /// after the cut-off waits for the next period; one stamped later waits for its own period: nothing is dropped, nothing
    /// billed twice.
    /// </summary>
    public static IReadOnlyList<AnchoredReadings> Select(InvoicePeriod period, IEnumerable<AnchoredReadings> anchored, IReadOnlySet<long> alreadyBilled) =>
        [.. anchored
            .Where(b => b.Anchor.Machine == period.Machine && checked(b.Anchor.BlockTime * 1000) < period.CutoffMs)
            .Select(b => b with { Readings = [.. b.Readings.Where(r => r.Timestamp < period.EndMs && !alreadyBilled.Contains(r.Seq))] })
            .Where(b => b.Readings.Count > 0)
            .GroupBy(b => b.Anchor.Batch).Select(g => g.First())
            .OrderBy(b => b.Anchor.Batch)];

    public static InvoiceDocument Compute(InvoicePeriod period, InvoiceBasis basis, IReadOnlyList<AnchoredReadings> selected)
    {
        var terms = basis.Terms;
        var inputs = selected.Select(b => new InvoiceInput(b.Anchor, InvoiceInput.Ranges(b.Readings.Select(r => r.Seq)))).ToList();
        var anchors = selected.Select(b => new LineAnchor(b.Anchor.RoundId, b.Anchor.Batch, b.Anchor.Root)).ToList();
        var readings = selected.SelectMany(b => b.Readings).OrderBy(r => r.Seq).ToList();

        long produced = 0, rejected = 0, running = 0, planned = 0;
        foreach (var r in readings)
        {
            produced = checked(produced + r.Produced);
            rejected = checked(rejected + r.Rejected);
            if (r.Status != ReadingStatus.Maintenance) planned++;
            if (r.Status == ReadingStatus.Running) running++;
        }
        var good = produced - rejected;

        var lines = new List<InvoiceLine>
        {
            new("base-fee", 1, terms.BaseFee, terms.BaseFee, [], []),
            new("items", good, terms.PricePerItem, checked(good * terms.PricePerItem),
                [("readings", readings.Count), ("produced", produced), ("rejected", rejected)], anchors),
            Quality(terms.Quality, produced, rejected, anchors),
            Availability(terms.Availability, planned, running, anchors),
            Maintenance(terms.Maintenance, readings, anchors),
        };
        var subtotal = lines.Aggregate(0L, (sum, l) => checked(sum + l.Amount));
        return new InvoiceDocument(period, basis.Oem, basis.Customer, basis.TermsVersion, basis.TermsHash, terms.Currency, lines, inputs,
            InvoiceInput.RootOf(inputs), subtotal, Math.Max(0, subtotal));
    }

    /// <summary>Reject rate in basis points, rounded down; each basis point above the allowance is a penalty.</summary>
    public static InvoiceLine Quality(QualityRule rule, long produced, long rejected, IReadOnlyList<LineAnchor> anchors)
    {
        var rejectBp = produced == 0 ? 0 : checked(rejected * 10_000) / produced;
        var excess = Math.Max(0, rejectBp - rule.MaxRejectBp);
        return new InvoiceLine("quality", excess, -rule.PenaltyPerBp, checked(-excess * rule.PenaltyPerBp),
            [("produced", produced), ("rejected", rejected), ("rejectBp", rejectBp), ("maxRejectBp", rule.MaxRejectBp)], anchors);
    }

    /// <summary>
    /// Availability = readings in <c>running</c> per reading not in <c>maintenance</c> (planned), in basis points rounded
    /// down. Below target: penalty per basis point, capped; above: bonus per basis point, capped; exactly on target, or no
    /// planned reading at all (no telemetry in the period): nothing.
    /// </summary>
    public static InvoiceLine Availability(AvailabilityRule rule, long planned, long running, IReadOnlyList<LineAnchor> anchors)
    {
        var availabilityBp = planned == 0 ? 0 : checked(running * 10_000) / planned;
        var delta = planned == 0 ? 0 : availabilityBp - rule.TargetBp;
        var (rate, amount) = delta switch
        {
            < 0 => (-rule.PenaltyPerBp, Math.Max(-rule.MaxPenalty, checked(delta * rule.PenaltyPerBp))),
            > 0 => (rule.BonusPerBp, Math.Min(rule.MaxBonus, checked(delta * rule.BonusPerBp))),
            _ => (0L, 0L),
        };
        return new InvoiceLine("availability", delta, rate, amount,
            [("planned", planned), ("running", running), ("availabilityBp", availabilityBp), ("targetBp", rule.TargetBp)], anchors);
    }

    /// <summary>
    /// Outages: maximal runs of billed readings with consecutive sequence numbers in <c>malfunctioning</c> or
    /// <c>maintenance</c>. Each reading of an outage beyond the allowance is a penalty.
    /// </summary>
    public static InvoiceLine Maintenance(MaintenanceRule rule, IReadOnlyList<Reading> bySeq, IReadOnlyList<LineAnchor> anchors)
    {
        long outages = 0, longest = 0, excess = 0, run = 0, previousSeq = long.MinValue;
        foreach (var r in bySeq.Append(null))
        {
            var down = r is { Status: ReadingStatus.Malfunctioning or ReadingStatus.Maintenance };
            var continues = down && run > 0 && r!.Seq == previousSeq + 1;
            if (run > 0 && !continues)
            {
                outages++;
                longest = Math.Max(longest, run);
                excess = checked(excess + Math.Max(0, run - rule.MaxOutageReadings));
                run = 0;
            }
            if (down) run++;
            if (r is not null) previousSeq = r.Seq;
        }
        return new InvoiceLine("maintenance-sla", excess, -rule.PenaltyPerReading, checked(-excess * rule.PenaltyPerReading),
            [("outages", outages), ("longestOutage", longest), ("maxOutageReadings", rule.MaxOutageReadings)], anchors);
    }
}
