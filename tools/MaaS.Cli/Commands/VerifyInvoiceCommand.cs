using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using MaaS.Chain.Contracts;
using MaaS.Chain.Deployment;
using MaaS.OffChain;
using MaaS.OffChain.Invoicing;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using InvoicingEvents = MaaS.Chain.Contracts.Generated.Invoicing;

namespace MaaS.Cli.Commands;

/// <summary>
/// <c>verify invoice &lt;machine&gt;.&lt;period&gt;</c>: a third party's check of an issued invoice. The chain gives the invoice
/// (its <c>InvoiceIssued</c> log: hash, total, inputs root, terms version), the terms hash, epoch and billing period and every
/// round root; the gateway (with a member's API key) gives the documents and the decrypted readings, which are believed only
/// as far as they hash to what the chain holds. Recomputes the document and compares bytes. Exit 0 only if every check holds.
/// </summary>
public static class VerifyInvoiceCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("invoice") { Description = "<machine uuid>.<period>" };
        var rpc = new Option<string>("--rpc") { Description = "EVM node JSON-RPC URL", DefaultValueFactory = _ => "http://127.0.0.1:8545" };
        var deployment = new Option<string>("--deployment") { Description = "The consortium's deployment file (contract addresses)", Required = true };
        var gateway = new Option<string>("--gateway") { Description = "Gateway URL", DefaultValueFactory = _ => "http://127.0.0.1:5100" };
        var apiKey = new Option<string>("--api-key") { Description = "API key of a member of the machine's group (OEM, customer, maintainer) to read documents and readings", Required = true };

        var command = new Command("invoice", "Recompute an issued invoice from its anchored inputs; exit 1 if any check fails") { id, rpc, deployment, gateway, apiKey };
        command.SetAction((result, ct) => DeployCommands.Guarded("verify invoice", () =>
            VerifyAsync(result.GetValue(id)!, result.GetValue(rpc)!, result.GetValue(deployment)!, result.GetValue(gateway)!, result.GetValue(apiKey)!, ct)));
        return command;
    }

    /// <summary>Prints one line per check; 0 only if every check holds.</summary>
    public static async Task<int> VerifyAsync(string invoiceId, string rpcUrl, string deploymentFile, string gatewayUrl, string apiKey, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri(gatewayUrl), Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return await VerifyAsync(invoiceId, rpcUrl, deploymentFile, http, Console.Out, ct);
    }

    /// <param name="http">The gateway, presenting a member of the machine's group (the readings are decrypted for it).</param>
    /// <param name="output">Where the checks are written, one line each.</param>
    public static async Task<int> VerifyAsync(string invoiceId, string rpcUrl, string deploymentFile, HttpClient http, TextWriter output, CancellationToken ct)
    {
        var dot = invoiceId.LastIndexOf('.');
        var machine = Guid.Parse(invoiceId[..dot]);
        var period = uint.Parse(invoiceId[(dot + 1)..], CultureInfo.InvariantCulture);
        var web3 = new Web3(rpcUrl);
        var contracts = await ChainDeployment.LoadAsync(deploymentFile, ct);
        var invoicing = new InvoicingContract(contracts["Invoicing"].Address, web3);
        var anchor = new TelemetryAnchorContract(contracts["TelemetryAnchor"].Address, web3);

        var issued = await IssuedAsync(web3, contracts, machine, period, ct);
        if (issued is null)
        {
            output.WriteLine($"FAIL issued            no InvoiceIssued log for machine {machine} period {period}");
            return 1;
        }
        output.WriteLine($"invoice {invoiceId} revision {issued.Revision}: total {issued.Total}, terms v{issued.TermsVersion}, document {Cid.FromDigestHex(issued.InvoiceHash).V0}");
        var document = await http.GetByteArrayAsync($"/api/invoicing/invoices/{invoiceId}/document", ct);
        var claimed = InvoiceDocument.Parse(document);

        var mid = Bytes32.FromGuid(machine);
        var terms = await invoicing.CurrentTermsAsync(mid, ct) ?? throw new InvalidOperationException("the machine has no terms on chain");
        var termsHash = await invoicing.TermsHashOfAsync(mid, issued.TermsVersion, ct) ?? throw new InvalidOperationException($"no terms version {issued.TermsVersion} on chain");
        var termsJson = (await http.GetFromJsonAsync<JsonElement>($"/api/invoicing/machines/{machine}/terms", ct)).GetProperty("versions").EnumerateArray()
            .Single(v => v.GetProperty("version").GetUInt32() == issued.TermsVersion).GetProperty("document");
        var pricing = PricingTerms.Parse(JsonSerializer.SerializeToUtf8Bytes(termsJson));
        var termsOk = Cid.Compute(pricing.Canonical()).DigestHex == Convert.ToHexStringLower(termsHash)
            || Cid.Compute(JsonSerializer.SerializeToUtf8Bytes(termsJson)).DigestHex == Convert.ToHexStringLower(termsHash);
        output.WriteLine($"{(termsOk ? "ok  " : "FAIL")} terms            version {issued.TermsVersion} hashes to the chain's {Convert.ToHexStringLower(termsHash)[..16]}…");

        // The grace is the document's (a third party cannot know the OEM's setting); the period bounds are the chain's.
        var grace = (claimed.Period.CutoffMs - claimed.Period.EndMs) / 1000;
        var window = InvoicePeriod.Of(machine, period, terms.Epoch!.Value.ToUnixTimeSeconds(), terms.BillingPeriodSeconds, grace, claimed.Period.Final);
        // Rule (c) of docs/invoicing.md §3: readings billed by the latest revision of any other period of the machine, later
        // ones too (the OEM's node and the customer's node count them), each document believed as far as it hashes to the chain.
        var billed = new HashSet<long>();
        for (var p = 0u; ; p++)
        {
            if (p == period) continue;
            if (await IssuedAsync(web3, contracts, machine, p, ct) is not { } other)
            {
                if (p > period) break;   // periods are issued in order: none after the first one missing
                continue;
            }
            var bytes = await http.GetByteArrayAsync($"/api/invoicing/invoices/{machine}.{p}/document", ct);
            if (Cid.Compute(bytes).DigestHex != other.InvoiceHash)
            {
                output.WriteLine($"FAIL billed           the document of period {p} does not hash to its revision {other.Revision} on chain");
                return 1;
            }
            foreach (var input in InvoiceDocument.Parse(bytes).Inputs) billed.UnionWith(input.AllSeqs());
        }
        var known = new List<AnchoredReadings>();
        var roots = new Dictionary<long, string>();
        foreach (var input in claimed.Inputs)
        {
            if (await anchor.RoundAsync((ulong)input.Anchor.RoundId, ct) is { } round) roots[input.Anchor.RoundId] = Convert.ToHexStringLower(round.Root);
            using var response = await http.GetAsync($"/api/anchoring/machines/{machine}/batches/{input.Anchor.Batch}/readings", ct);
            if (!response.IsSuccessStatusCode) continue;
            var block = await web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(new BlockParameter((ulong)input.Anchor.Block));
            try
            {
                known.Add(AnchoredReadings.FromLines(input.Anchor with { BlockTime = (long)block.Timestamp.Value }, await response.Content.ReadAsByteArrayAsync(ct)));
            }
            catch (InvalidDataException ex)
            {
                output.WriteLine($"FAIL batch           {ex.Message}");
            }
        }
        var batchesOk = await AddUnlistedBatchesAsync(http, web3, anchor, machine, claimed, window, billed, known, roots, output, ct);
        var basis = new InvoiceBasis(claimed.Oem, claimed.Customer, issued.TermsVersion, Convert.ToHexStringLower(termsHash), pricing);
        var verdict = InvoiceVerification.Verify(issued, document, window, basis, roots, known, billed);
        foreach (var check in verdict.Checks) output.WriteLine($"{(check.Ok ? "ok  " : "FAIL")} {check.Name,-16} {check.Detail}");
        var ok = verdict.Ok && termsOk && batchesOk;
        output.WriteLine(ok ? "invoice verified" : "invoice NOT verified");
        return ok ? 0 : 1;
    }

    /// <summary>
    /// A batch the document leaves out is caught only by a checker that knows it exists. Telemetry numbers a machine's batches
    /// densely from 1, so walk them (until the first unknown number) and add every batch the document does not list that was
    /// anchored before the cut-off and holds readings no other invoice billed; the recomputation then includes it and the
    /// comparison fails, as the customer's node does with the batches it was told of. The batch's anchor (round path, root)
    /// comes from the proof of its first reading and is checked against the chain like the listed ones. A batch anchored in
    /// time whose unbilled readings all belong to a later period (stamped after the period's end) is not missing. False when
    /// a batch is missing or could not be read (then a missing one would go unnoticed).
    /// </summary>
    private static async Task<bool> AddUnlistedBatchesAsync(HttpClient http, Web3 web3, TelemetryAnchorContract anchor, Guid machine, InvoiceDocument claimed,
        InvoicePeriod window, IReadOnlySet<long> billed, List<AnchoredReadings> known, Dictionary<long, string> roots, TextWriter output, CancellationToken ct)
    {
        var listed = claimed.Inputs.Select(i => i.Anchor.Batch).ToHashSet();
        var unlisted = 0;
        for (var seq = 1L; ; seq++)
        {
            if (listed.Contains(seq)) continue;
            using var response = await http.GetAsync($"/api/anchoring/machines/{machine}/batches/{seq}", ct);
            if (response.StatusCode == System.Net.HttpStatusCode.NotFound) break;
            if (!response.IsSuccessStatusCode)
            {
                output.WriteLine($"FAIL batches         batch {seq} not readable ({(int)response.StatusCode}): a batch missing from the document would go unnoticed");
                return false;
            }
            var batch = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            if (batch.GetProperty("block").ValueKind != JsonValueKind.Number) continue;   // not anchored yet: after the cut-off
            var (first, last) = (batch.GetProperty("firstSeq").GetInt64(), batch.GetProperty("lastSeq").GetInt64());
            if (first == 0 || Enumerable.Range(0, (int)(last - first + 1)).All(i => billed.Contains(first + i))) continue;
            var block = await web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(new BlockParameter((ulong)batch.GetProperty("block").GetInt64()));
            var blockTime = (long)block.Timestamp.Value;
            if (blockTime * 1000 >= window.CutoffMs) continue;
            var proof = MaaS.Chain.Proofs.ReadingProof.FromJson(await http.GetStringAsync($"/api/anchoring/proofs/{machine}/{first}", ct));
            var anchorOf = new BatchAnchor(machine, seq, batch.GetProperty("count").GetInt32(), batch.GetProperty("root").GetString()!, batch.GetProperty("cid").GetString()!,
                proof.RoundId, proof.LeafIndex, proof.RoundSize, proof.RoundPath, proof.RoundRoot, proof.Block, blockTime, proof.TransactionHash.ToLowerInvariant());
            if (await anchor.RoundAsync((ulong)proof.RoundId, ct) is { } round) roots[proof.RoundId] = Convert.ToHexStringLower(round.Root);
            var readings = AnchoredReadings.FromLines(anchorOf, await http.GetByteArrayAsync($"/api/anchoring/machines/{machine}/batches/{seq}/readings", ct));
            known.Add(readings);
            if (InvoiceCalculator.Select(window, [readings], billed).Count == 0) continue;
            unlisted++;
            output.WriteLine($"note batches         batch {seq} (readings {first}..{last}) was anchored in round {proof.RoundId} before the cut-off and is not in the document");
        }
        output.WriteLine(unlisted == 0
            ? "ok   batches          every batch of the machine anchored before the cut-off and not billed elsewhere is in the document"
            : $"FAIL batches         {unlisted} batch(es) anchored before the cut-off are missing from the document");
        return unlisted == 0;
    }

    /// <summary>The latest revision's <c>InvoiceIssued</c> log of (machine, period), from the chain alone.</summary>
    private static async Task<IssuedInvoice?> IssuedAsync(Web3 web3, ChainDeployment contracts, Guid machine, uint period, CancellationToken ct)
    {
        var topic = Nethereum.Contracts.ABITypedRegistry.GetEvent<InvoicingEvents.InvoiceIssuedEventDTO>().Sha3Signature.Replace("0x", "", StringComparison.Ordinal);
        var filter = new NewFilterInput
        {
            Address = [contracts["Invoicing"].Address],
            FromBlock = new BlockParameter(new HexBigInteger(contracts.DeploymentBlock)),
            ToBlock = BlockParameter.CreateLatest(),
            Topics = ["0x" + topic, "0x" + Convert.ToHexStringLower(Bytes32.FromGuid(machine)), "0x" + period.ToString("x64", CultureInfo.InvariantCulture)],
        };
        var logs = await web3.Eth.Filters.GetLogs.SendRequestAsync(filter);
        ct.ThrowIfCancellationRequested();
        IssuedInvoice? latest = null;
        foreach (var log in logs)
            if (ContractEvents.TryDecode<InvoicingEvents.InvoiceIssuedEventDTO>(log.Topics.Select(t => t.ToString()!).ToList(), log.Data, out var e) && (latest is null || e.Revision >= latest.Revision))
                latest = new IssuedInvoice(machine, e.Period, e.Revision, e.TermsVersion, (long)e.Total, Convert.ToHexStringLower(e.InvoiceHash), Convert.ToHexStringLower(e.InputsRoot));
        return latest;
    }
}
