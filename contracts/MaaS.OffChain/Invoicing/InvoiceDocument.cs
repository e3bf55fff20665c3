using System.Buffers;
using System.Text.Json;

namespace MaaS.OffChain.Invoicing;

/// <summary>Which anchored batch a usage line counted: round id, batch number and batch root (the full anchor is in the inputs).</summary>
public sealed record LineAnchor(long Round, long Batch, string Root);

/// <summary>
/// One line per rule: <see cref="Quantity"/> × <see cref="UnitPrice"/> before caps = <see cref="Amount"/> (minor units; negative
/// for a penalty), <see cref="Basis"/> the integers the quantity was derived from, in a fixed order.
/// </summary>
public sealed record InvoiceLine(string Rule, long Quantity, long UnitPrice, long Amount, IReadOnlyList<(string Name, long Value)> Basis, IReadOnlyList<LineAnchor> Anchors);

/// <summary>
/// The invoice document (format <c>maas/invoice/v1</c>, docs/invoicing.md §2): compact JSON in a fixed property order, integers
/// only. Its CID digest is the invoice hash issued on chain, with <see cref="Total"/> and <see cref="InputsRoot"/>.
/// </summary>
public sealed record InvoiceDocument(
    InvoicePeriod Period, string Oem, string Customer, uint TermsVersion, string TermsHash, string Currency,
    IReadOnlyList<InvoiceLine> Lines, IReadOnlyList<InvoiceInput> Inputs, string InputsRoot, long Subtotal, long Total)
{
    public const string Format = "maas/invoice/v1";

    public byte[] Canonical()
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteString("machine", Period.Machine.ToString("D"));
            json.WriteNumber("period", Period.Period);
            json.WriteNumber("periodStart", Period.StartMs);
            json.WriteNumber("periodEnd", Period.EndMs);
            json.WriteNumber("cutoff", Period.CutoffMs);
            json.WriteBoolean("final", Period.Final);
            json.WriteString("oem", Oem);
            json.WriteString("customer", Customer);
            json.WriteNumber("termsVersion", TermsVersion);
            json.WriteString("termsHash", TermsHash);
            json.WriteString("currency", Currency);
            json.WriteStartArray("lines");
            foreach (var line in Lines)
            {
                json.WriteStartObject();
                json.WriteString("rule", line.Rule);
                json.WriteNumber("quantity", line.Quantity);
                json.WriteNumber("unitPrice", line.UnitPrice);
                json.WriteNumber("amount", line.Amount);
                json.WriteStartObject("basis");
                foreach (var (name, value) in line.Basis) json.WriteNumber(name, value);
                json.WriteEndObject();
                json.WriteStartArray("anchors");
                foreach (var a in line.Anchors)
                {
                    json.WriteStartObject();
                    json.WriteNumber("round", a.Round);
                    json.WriteNumber("batch", a.Batch);
                    json.WriteString("root", a.Root);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("inputs");
            foreach (var input in Inputs) input.Write(json);
            json.WriteEndArray();
            json.WriteString("inputsRoot", InputsRoot);
            json.WriteNumber("subtotal", Subtotal);
            json.WriteNumber("total", Total);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The CID of the canonical bytes: its digest is the <c>invoiceHash</c> on chain.</summary>
    public Cid Cid() => MaaS.OffChain.Cid.Compute(Canonical());

    /// <summary>Reads a document (to learn which inputs it claims); a verifier then recomputes it and compares bytes.</summary>
    public static InvoiceDocument Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8.ToArray());
            var d = document.RootElement;
            if (d.GetProperty("format").GetString() != Format) throw new FormatException($"Not a {Format} document.");
            var period = new InvoicePeriod(Guid.Parse(d.GetProperty("machine").GetString()!), d.GetProperty("period").GetUInt32(),
                d.GetProperty("periodStart").GetInt64(), d.GetProperty("periodEnd").GetInt64(), d.GetProperty("cutoff").GetInt64(), d.GetProperty("final").GetBoolean());
            var lines = d.GetProperty("lines").EnumerateArray().Select(l => new InvoiceLine(l.GetProperty("rule").GetString()!, l.GetProperty("quantity").GetInt64(),
                l.GetProperty("unitPrice").GetInt64(), l.GetProperty("amount").GetInt64(),
                [.. l.GetProperty("basis").EnumerateObject().Select(p => (p.Name, p.Value.GetInt64()))],
                [.. l.GetProperty("anchors").EnumerateArray().Select(a => new LineAnchor(a.GetProperty("round").GetInt64(), a.GetProperty("batch").GetInt64(), a.GetProperty("root").GetString()!))])).ToList();
            var inputs = d.GetProperty("inputs").EnumerateArray().Select(i => new InvoiceInput(
                new BatchAnchor(Guid.Parse(i.GetProperty("machine").GetString()!), i.GetProperty("batch").GetInt64(), i.GetProperty("count").GetInt32(),
                    i.GetProperty("root").GetString()!, i.GetProperty("cid").GetString()!, i.GetProperty("round").GetInt64(), i.GetProperty("leafIndex").GetInt32(),
                    i.GetProperty("roundSize").GetInt32(), [.. i.GetProperty("roundPath").EnumerateArray().Select(p => p.GetString()!)],
                    i.GetProperty("roundRoot").GetString()!, i.GetProperty("block").GetInt64(), i.GetProperty("blockTime").GetInt64(), i.GetProperty("tx").GetString()!),
                [.. i.GetProperty("seqs").EnumerateArray().Select(r => (r[0].GetInt64(), r[1].GetInt64()))])).ToList();
            return new InvoiceDocument(period, d.GetProperty("oem").GetString()!, d.GetProperty("customer").GetString()!, d.GetProperty("termsVersion").GetUInt32(),
                d.GetProperty("termsHash").GetString()!, d.GetProperty("currency").GetString()!, lines, inputs, d.GetProperty("inputsRoot").GetString()!,
                d.GetProperty("subtotal").GetInt64(), d.GetProperty("total").GetInt64());
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException)
        {
            throw new FormatException($"Not a {Format} invoice document: {ex.Message}", ex);
        }
    }
}
