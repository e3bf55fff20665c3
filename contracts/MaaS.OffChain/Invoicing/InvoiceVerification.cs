namespace MaaS.OffChain.Invoicing;

/// <summary>What the chain says an invoice is: the <c>InvoiceIssued</c> log's values (hashes as lower-case hex without prefix).</summary>
public sealed record IssuedInvoice(Guid Machine, uint Period, ushort Revision, uint TermsVersion, long Total, string InvoiceHash, string InputsRoot);

public sealed record VerificationCheck(string Name, bool Ok, string Detail);

/// <summary>The verdict: every check, and the document the verifier computed itself (the dispute's evidence when they differ).</summary>
public sealed record InvoiceVerdict(IReadOnlyList<VerificationCheck> Checks, InvoiceDocument? Recomputed)
{
    public bool Ok => Checks.All(c => c.Ok);
}

/// <summary>
/// The verification every party runs (docs/invoicing.md §4), pure: the caller fetched the document, the terms, the round
/// roots the chain holds and the readings of every batch it knows (each checked against its batch root), and the sequence
/// numbers billed by the machine's invoices of every other period (their latest revisions on chain, later periods too).
/// </summary>
public static class InvoiceVerification
{
    public static InvoiceVerdict Verify(
        IssuedInvoice issued, byte[] document, InvoicePeriod period, InvoiceBasis basis, IReadOnlyDictionary<long, string> chainRoundRoots,
        IReadOnlyList<AnchoredReadings> known, IReadOnlySet<long> alreadyBilled)
    {
        var checks = new List<VerificationCheck>();
        var cid = Cid.Compute(document);
        checks.Add(new("document-hash", cid.DigestHex == issued.InvoiceHash, $"document {cid.V0} hashes to {cid.DigestHex}; the chain holds {issued.InvoiceHash}"));
        InvoiceDocument claimed;
        try
        {
            claimed = InvoiceDocument.Parse(document);
            checks.Add(new("format", true, InvoiceDocument.Format));
        }
        catch (FormatException ex)
        {
            checks.Add(new("format", false, ex.Message));
            return new InvoiceVerdict(checks, Recompute(period, basis, known, alreadyBilled));
        }
        checks.Add(new("claims", claimed.Total == issued.Total && claimed.InputsRoot == issued.InputsRoot && claimed.TermsVersion == issued.TermsVersion
                && claimed.Period.Period == issued.Period && claimed.Period.Machine == issued.Machine,
            $"document: total {claimed.Total}, inputs root {claimed.InputsRoot}, terms v{claimed.TermsVersion}, period {claimed.Period.Period}; " +
            $"chain: total {issued.Total}, inputs root {issued.InputsRoot}, terms v{issued.TermsVersion}, period {issued.Period}"));
        checks.Add(new("inputs-root", InvoiceInput.RootOf(claimed.Inputs) == claimed.InputsRoot, $"{claimed.Inputs.Count} inputs"));

        var badAnchors = claimed.Inputs.Where(i => !i.Anchor.LeafIsInRound()
            || !chainRoundRoots.TryGetValue(i.Anchor.RoundId, out var root) || root != i.Anchor.RoundRoot).Select(i => i.Anchor.Batch).ToList();
        checks.Add(new("anchors", badAnchors.Count == 0, badAnchors.Count == 0
            ? $"{claimed.Inputs.Count} batch leaves in their rounds, round roots as on chain"
            : $"batches {string.Join(", ", badAnchors)}: leaf not in the round, or the round root is not the chain's"));

        var missing = claimed.Inputs.Where(i => known.All(k => k.Anchor.Batch != i.Anchor.Batch || k.Anchor.Root != i.Anchor.Root)).Select(i => i.Anchor.Batch).ToList();
        checks.Add(new("readings", missing.Count == 0, missing.Count == 0
            ? $"readings of {claimed.Inputs.Count} batches obtained and checked against their batch roots"
            : $"no readings matching the anchored root for batches {string.Join(", ", missing)}"));

        var recomputed = Recompute(period, basis, known, alreadyBilled);
        var same = recomputed.Canonical().AsSpan().SequenceEqual(document);
        checks.Add(new("recomputed", same, same
            ? $"identical: total {recomputed.Total} {recomputed.Currency}"
            : $"recomputed total {recomputed.Total} over {recomputed.Inputs.Count} batches ({recomputed.Cid().V0}) differs from the document"));
        return new InvoiceVerdict(checks, recomputed);
    }

    private static InvoiceDocument Recompute(InvoicePeriod period, InvoiceBasis basis, IReadOnlyList<AnchoredReadings> known, IReadOnlySet<long> alreadyBilled) =>
        InvoiceCalculator.Compute(period, basis, InvoiceCalculator.Select(period, known, alreadyBilled));
}
