using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MaaS.Cli.Gateway;
using MaaS.OffChain.Invoicing;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;

namespace MaaS.Cli.Commands;

/// <summary>
/// <c>demo invoice --members FILE --machine ID</c>: what the Invoicing service knows of one machine, through the gateway as its
/// OEM — the terms versions (and whether each is a <c>maas/terms/v1</c> document the run can bill by), the invoicing schedule
/// (epoch, billing period, the current period and when it is due), and the latest invoice with its chain state, lines and the
/// customer's verification checks. It issues nothing: a period is invoiced by the OEM's node only after it ended on the
/// chain's clock plus the grace, which with the dev stack's 30-day periods does not happen inside a demo.
/// </summary>
public static class DemoInvoiceCommand
{
    public static Command Create(Option<string> members)
    {
        var machine = new Option<Guid>("--machine") { Required = true, Description = "The machine's id (as `demo machines` printed it)" };
        var rpc = new Option<string?>("--rpc") { Description = "EVM node JSON-RPC URL for the chain's clock (default: this host's clock)" };
        var command = new Command("invoice", "Show a machine's terms, invoicing schedule and latest invoice with its verification, through the gateway")
        {
            members, machine, rpc,
        };
        command.SetAction((result, ct) => DeployCommands.Guarded("demo invoice", () =>
            ShowAsync(DevConsortium.Load(result.GetValue(members)!), result.GetValue(machine), result.GetValue(rpc), ct)));
        return command;
    }

    private static async Task<int> ShowAsync(DevConsortium consortium, Guid machineId, string? rpc, CancellationToken ct)
    {
        using var oem = new GatewayClient(new Uri(consortium.Gateway), consortium.One("oem").ApiKey);
        JsonObject terms;
        try
        {
            terms = await oem.GetAsync($"/api/invoicing/machines/{machineId}/terms", ct);
        }
        catch (GatewayException ex) when (ex.Status is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            Console.WriteLine($"  Machine {machineId} is not visible to {consortium.One("oem").Name}: {ex.Message}");
            return 1;
        }

        var period = terms["billingPeriodSeconds"]!.GetValue<uint>();
        var epoch = terms["epoch"]?.GetValue<DateTimeOffset>();
        Console.WriteLine($"  1. Terms of machine {machineId} (active version {terms["activeVersion"]}, latest {terms["latestVersion"]})");
        var billable = false;
        foreach (var version in terms["versions"]!.AsArray())
        {
            var applies = version!["fromPeriod"] is null ? "never applied"
                : version["untilPeriod"] is null ? $"applies from period {version["fromPeriod"]}" : $"applied to periods {version["fromPeriod"]}..{version["untilPeriod"]!.GetValue<uint>() - 1}";
            Console.WriteLine($"     v{version["version"]}  {applies}  cid {version["cid"]}  hash {version["termsHash"]!.GetValue<string>()[..16]}…");
            if (version["document"] is not { } document)
            {
                Console.WriteLine("         document not in this deployment's off-chain store");
                continue;
            }
            try
            {
                var pricing = PricingTerms.Parse(Encoding.UTF8.GetBytes(document.ToJsonString()));
                billable |= version["untilPeriod"] is null && version["fromPeriod"] is not null;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"         {pricing.Currency}: base fee {pricing.BaseFee} per period, {pricing.PricePerItem} per good item; quality: rejects above {pricing.Quality.MaxRejectBp} bp cost {pricing.Quality.PenaltyPerBp}/bp"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"         availability target {pricing.Availability.TargetBp} bp: −{pricing.Availability.PenaltyPerBp}/bp below (max {pricing.Availability.MaxPenalty}), +{pricing.Availability.BonusPerBp}/bp above (max {pricing.Availability.MaxBonus}); outages beyond {pricing.Maintenance.MaxOutageReadings} readings cost {pricing.Maintenance.PenaltyPerReading} each"));
            }
            catch (FormatException ex)
            {
                Console.WriteLine($"         {document.ToJsonString()}");
                Console.WriteLine($"         not a {PricingTerms.Format} document ({ex.Message}): the invoicing run cannot bill by it");
            }
        }

        Console.WriteLine($"  2. Schedule: billing period {Duration(period)}");
        if (epoch is not { } start || period == 0)
        {
            Console.WriteLine("     the customer has not accepted the terms yet: no period has started");
        }
        else
        {
            var (now, clock) = await NowAsync(rpc, ct);
            var current = (uint)(Math.Max(0, now.ToUnixTimeSeconds() - start.ToUnixTimeSeconds()) / period);
            var end = start.AddSeconds(((long)current + 1) * period);
            Console.WriteLine($"     period 0 began {start:u} (the acceptance block's time); now {now:u} ({clock}) is in period {current}");
            Console.WriteLine($"     period {current} ends {end:u}; the OEM's node invoices it after its grace for late data (Invoicing:Grace) and settle time, by the chain's clock");
            if (!billable) Console.WriteLine("     the active terms are not billable (see above): no invoice will be issued for this machine");
        }

        var invoices = (await oem.GetAsync($"/api/invoicing/machines/{machineId}/invoices", ct))["items"]!.AsArray();
        if (invoices.Count == 0)
        {
            Console.WriteLine("  3. No invoice yet");
            return 0;
        }
        var latest = invoices[^1]!;
        var id = latest["invoiceId"]!.GetValue<string>();
        Console.WriteLine($"  3. Latest invoice {id} (of {invoices.Count}): {latest["state"]}{(latest["final"]!.GetValue<bool>() ? " (final)" : " (not final yet)")}, revision {latest["revision"]}, terms v{latest["termsVersion"]}, total {latest["total"]}");
        Console.WriteLine($"     document {latest["documentCid"]}, hash on chain {latest["invoiceHash"] ?? "(not issued yet)"}, inputs root {latest["inputsRoot"]}");
        if (latest["evidenceCid"] is { } evidence) Console.WriteLine($"     disputed with evidence {evidence}");
        foreach (var entry in latest["history"]?.AsArray() ?? [])
            Console.WriteLine($"       {entry!["event"],-16} block {entry["block"],-6} {entry["status"],-9} tx {entry["transactionHash"]}");
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(consortium.Gateway), Timeout = TimeSpan.FromSeconds(60) };
            http.DefaultRequestHeaders.Add("X-Api-Key", consortium.One("oem").ApiKey);
            var document = InvoiceDocument.Parse(await http.GetByteArrayAsync($"/api/invoicing/invoices/{id}/document", ct));
            foreach (var line in document.Lines)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"       {line.Rule,-16} {line.Quantity,8} × {line.UnitPrice,8} = {line.Amount,10} {document.Currency}  ({line.Anchors.Count} anchors)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"       total {document.Total} {document.Currency} from {document.Inputs.Count} anchored batches"));
        }
        catch (Exception ex) when (ex is HttpRequestException or FormatException)
        {
            Console.WriteLine($"     document not readable: {ex.Message}");
        }
        if (latest["lastVerification"] is JsonObject verification)
        {
            Console.WriteLine($"  4. Verified by {verification["by"]}: {(verification["ok"]!.GetValue<bool>() ? "every check holds" : "NOT verified")}");
            foreach (var check in verification["checks"]!.AsArray())
                Console.WriteLine($"     {(check!["ok"]!.GetValue<bool>() ? "ok  " : "FAIL")} {check["name"],-16} {check["detail"]}");
        }
        else
        {
            Console.WriteLine("  4. Not verified by this deployment yet (the customer's node verifies once the issue is final)");
        }
        return 0;
    }

    /// <summary>
    /// The end of <c>./maas demo</c>: waits (printing each state change) until the OEM's node has issued period 0 of the machine
    /// and the customer's node has verified and decided it at finality, shows it, and checks it again as a third party would.
    /// </summary>
    public static async Task<int> AwaitIssuedAndVerifiedAsync(DevConsortium consortium, Guid machineId, string rpc, string deployment, TimeSpan timeout, CancellationToken ct)
    {
        using var oem = new GatewayClient(new Uri(consortium.Gateway), consortium.One("oem").ApiKey);
        var id = $"{machineId}.0";
        var terms = await oem.GetAsync($"/api/invoicing/machines/{machineId}/terms", ct);
        var epoch = terms["epoch"]?.GetValue<DateTimeOffset>();
        var period = terms["billingPeriodSeconds"]!.GetValue<uint>();
        Console.WriteLine($"  Invoicing: period 0 of machine {machineId} ran from {epoch:u} for {Duration(period)} (chain clock); the OEM's node");
        Console.WriteLine("  invoices it after the grace for late data, the customer's node verifies it and accepts or disputes on chain");
        var deadline = DateTimeOffset.UtcNow + timeout;
        var seen = "";
        while (true)
        {
            JsonObject? invoice = null;
            try
            {
                invoice = await oem.GetAsync($"/api/invoicing/invoices/{id}", ct);
            }
            catch (GatewayException ex) when (ex.Status == HttpStatusCode.NotFound)
            {
            }
            var state = invoice is null ? "not computed yet" : $"{invoice["state"]}{(invoice["final"]!.GetValue<bool>() ? " (final)" : "")}";
            if (state != seen)
            {
                var (now, _) = await NowAsync(rpc, ct);
                Console.WriteLine($"     {now:HH:mm:ss} chain time: invoice {id} {state}");
                seen = state;
            }
            if (invoice?["state"]?.GetValue<string>() is "Accepted" or "Disputed" or "Settled" && invoice["final"]!.GetValue<bool>()) break;
            if (DateTimeOffset.UtcNow > deadline)
            {
                Console.WriteLine($"  Invoice {id} was not issued and decided within {timeout.TotalSeconds:0} s (./maas logs invoicing)");
                return 1;
            }
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }

        await ShowAsync(consortium, machineId, rpc, ct);
        Console.WriteLine($"  5. A third party recomputes it from the chain and the anchored readings (./maas verify invoice {id} --api-key <a group member's key>):");
        return await VerifyInvoiceCommand.VerifyAsync(id, rpc, deployment, consortium.Gateway, consortium.One("customer").ApiKey, ct);
    }

    /// <summary>The pending block's time when a node is given (the time the chain checks period ends against), else this host's.</summary>
    private static async Task<(DateTimeOffset Now, string Clock)> NowAsync(string? rpc, CancellationToken ct)
    {
        if (rpc is null) return (DateTimeOffset.UtcNow, "this host's clock");
        var pending = await new Web3(rpc).Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(BlockParameter.CreatePending());
        ct.ThrowIfCancellationRequested();
        return (DateTimeOffset.FromUnixTimeSeconds((long)pending.Timestamp.Value), "the chain's clock");
    }

    private static string Duration(uint seconds) => seconds % 86_400 == 0 ? $"{seconds / 86_400} days"
        : seconds % 3_600 == 0 ? $"{seconds / 3_600} h" : $"{seconds} s";
}
