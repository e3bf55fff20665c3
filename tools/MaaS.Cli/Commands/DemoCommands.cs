using System.CommandLine;
using System.Globalization;
using System.Text;
using MaaS.Cli.Gateway;
using MaaS.OffChain.Invoicing;
using Nethereum.Signer;

namespace MaaS.Cli.Commands;

/// <summary>
/// <c>demo machines</c>: the paper's Figure 3 through the gateway — register, accept, start — printing each transaction.
/// <c>demo workflow</c>: the same provisioning, then the paper's evaluation workload (Figure 4) <c>--cycles</c> times.
/// </summary>
public static class DemoCommands
{
    public static Command Create()
    {
        var members = new Option<string>("--members") { Required = true, Description = "The file consortium bootstrap wrote" };
        var machines = new Command("machines", "Register a machine (OEM), accept and start it (customer), printing tx hash, gas and latency")
        {
            members,
        };
        machines.SetAction(async (result, ct) =>
        {
            await ProvisionAsync(DevConsortium.Load(result.GetValue(members)!), EthECKey.GenerateKey(), ct);
            return 0;
        });
        var cycles = new Option<int>("--cycles") { DefaultValueFactory = _ => 5, Description = "How many failure → ticket → repair → restart loops" };
        var billingPeriod = new Option<uint>("--billing-period")
        {
            DefaultValueFactory = _ => DefaultBillingPeriodSeconds,
            Description = "The machine's billing period in seconds (the Machines service refuses less than its Machines:MinBillingPeriodSeconds)",
        };
        var invoice = new Option<bool>("--invoice") { Description = "End by waiting for period 0's invoice to be issued and verified (needs --rpc and --deployment)" };
        var rpc = new Option<string>("--rpc") { DefaultValueFactory = _ => "http://127.0.0.1:8545", Description = "EVM node JSON-RPC URL (the chain's clock, the third-party check)" };
        var deployment = new Option<string?>("--deployment") { Description = "The consortium's deployment file (contract addresses), for the third-party check" };
        var workflow = new Command("workflow", "Provision a machine, then run the maintenance loop --cycles times, printing latency and gas per operation; with --invoice, end with its first invoice")
        {
            members, cycles, billingPeriod, invoice, rpc, deployment,
        };
        workflow.SetAction(async (result, ct) =>
        {
            var consortium = DevConsortium.Load(result.GetValue(members)!);
            var machineId = await RunWorkflowAsync(consortium, result.GetValue(cycles), result.GetValue(billingPeriod), ct);
            if (!result.GetValue(invoice)) return 0;
            var file = result.GetValue(deployment) ?? throw new InvalidOperationException("--invoice needs --deployment");
            return await DemoInvoiceCommand.AwaitIssuedAndVerifiedAsync(consortium, machineId, result.GetValue(rpc)!, file, TimeSpan.FromMinutes(5), ct);
        });
        return new Command("demo", "Demo workflows") { machines, workflow, DemoInvoiceCommand.Create(members) };
    }

    /// <summary>Thirty days, the default of the Machines register endpoint.</summary>
    private const uint DefaultBillingPeriodSeconds = 30 * 24 * 3600;

    private static async Task<Guid> RunWorkflowAsync(DevConsortium consortium, int cycles, uint billingPeriodSeconds, CancellationToken ct)
    {
        // The demo keeps the device key it registers the machine with: the IoT box signs its readings with it.
        var device = EthECKey.GenerateKey();
        var machineId = await ProvisionAsync(consortium, device, ct, billingPeriodSeconds);
        await WorkflowLoop.EnableWatchdogsAsync(consortium, ct);
        Console.WriteLine($"  Watchdogs of {string.Join(" and ", consortium.Members.Where(m => m.Role == "maintainer").Select(m => m.Name))}: auto-accept {consortium.Model}");
        using var loop = new WorkflowLoop(consortium, machineId, device);
        var samples = new List<LoopSample>();
        for (var cycle = 1; cycle <= cycles; cycle++)
        {
            Console.WriteLine($"  Cycle {cycle} of {cycles}: failure, ticket, two maintainers racing, complete, close, restart");
            var result = await loop.RunCycleAsync(cycle, Console.WriteLine, ct);
            foreach (var s in result.Samples)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"     {(s.Succeeded ? "✓" : "✗")} {s.Operation,-24} tx {s.TransactionHash?[..18]}…  block {s.Block,-5} gas {s.Gas,8:N0}  in a block after {s.MinedMs,6:0} ms, final after {s.FinalMs,6:0} ms  (service overhead {s.OverheadMs,5:0} ms)"));
            if (result.LoserBackOff is not null) Console.WriteLine($"     the other watchdog backed off: {result.LoserBackOff}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"     cycle {cycle} took {result.CycleMs / 1000:0.0} s (winner {result.Winner}, resolution seen by {result.ResolutionSource})"));
            samples.AddRange(result.Samples);
        }
        LoopStats.Print(LoopStats.Of(samples), $"Summary over {cycles} cycle(s): latency from submission (ms), gas, service overhead before the chain (ms)");
        return machineId;
    }

    public static async Task<Guid> ProvisionAsync(DevConsortium consortium, EthECKey device, CancellationToken ct, uint billingPeriodSeconds = DefaultBillingPeriodSeconds)
    {
        var gateway = new Uri(consortium.Gateway);
        using var oem = new GatewayClient(gateway, consortium.One("oem").ApiKey);
        using var customer = new GatewayClient(gateway, consortium.One("customer").ApiKey);

        Console.WriteLine("  1. The OEM registers a machine rented to the customer (spec and terms go off-chain, their CIDs on chain)");
        var registered = await oem.PostAsync("/api/machines", new
        {
            customerId = consortium.One("customer").MemberId,
            model = consortium.Model,
            region = 32,
            deviceAddress = device.GetPublicAddress(),
            telemetryIntervalSeconds = 60,
            specDocument = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{consortium.Model} five-axis CNC mill: spindle 24k rpm, 3 kW; serial {Guid.NewGuid():N}")),
            terms = PricingTerms.Example.ToJson(),
            billingPeriodSeconds,
        }, ct);
        var machineId = Guid.Parse(registered["subject"]!.GetValue<string>());
        Print(await oem.WaitForOperationAsync(Location(registered), untilFinal: true, TimeSpan.FromSeconds(60), ct));

        var machine = await customer.WaitForAsync($"/api/machines/{machineId}", m => m["latestTermsVersion"] is not null, TimeSpan.FromSeconds(30), ct);
        Console.WriteLine($"  2. The customer accepts machine {machineId} with terms version {machine["latestTermsVersion"]}");
        var accepted = await customer.PostAsync($"/api/machines/{machineId}/accept", new { termsVersion = machine["latestTermsVersion"]!.GetValue<uint>() }, ct);
        Print(await customer.WaitForOperationAsync(Location(accepted), untilFinal: true, TimeSpan.FromSeconds(60), ct));

        await customer.WaitForAsync($"/api/machines/{machineId}", m => m["state"]?.GetValue<string>() == "Accepted", TimeSpan.FromSeconds(30), ct);
        Console.WriteLine("  3. The customer starts it (state Executed: telemetry and billing apply from now)");
        var started = await customer.PostAsync($"/api/machines/{machineId}/start", null, ct);
        Print(await customer.WaitForOperationAsync(Location(started), untilFinal: true, TimeSpan.FromSeconds(60), ct));

        var final = await customer.WaitForAsync($"/api/machines/{machineId}", m => m["finalState"]?.GetValue<string>() == "Executed", TimeSpan.FromSeconds(30), ct);
        Console.WriteLine($"  Machine {machineId}: state {final["state"]} (final {final["finalState"]}), spec {final["specCid"]}, device {final["device"]}");
        foreach (var entry in final["history"]!.AsArray())
            Console.WriteLine($"      {entry!["event"],-20} block {entry["block"],-5} {entry["status"],-9} tx {entry["transactionHash"]}");
        return machineId;
    }

    /// <summary>Register, accept and start a machine with the given device, printing nothing (benchmarks provision many).</summary>
    public static async Task<Guid> ProvisionQuietlyAsync(DevConsortium consortium, string deviceAddress, CancellationToken ct)
    {
        var gateway = new Uri(consortium.Gateway);
        using var oem = new GatewayClient(gateway, consortium.One("oem").ApiKey);
        using var customer = new GatewayClient(gateway, consortium.One("customer").ApiKey);
        var registered = await oem.PostAsync("/api/machines", new
        {
            customerId = consortium.One("customer").MemberId, model = consortium.Model, region = 32, deviceAddress, telemetryIntervalSeconds = 60,
            specDocument = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{consortium.Model} bench machine {Guid.NewGuid():N}")),
            terms = PricingTerms.Example.ToJson(), billingPeriodSeconds = 30 * 24 * 3600,
        }, ct);
        var machineId = Guid.Parse(registered["subject"]!.GetValue<string>());
        await oem.WaitForOperationAsync(Location(registered), untilFinal: true, TimeSpan.FromSeconds(120), ct);
        var machine = await customer.WaitForAsync($"/api/machines/{machineId}", m => m["latestTermsVersion"] is not null, TimeSpan.FromSeconds(60), ct);
        var accepted = await customer.PostAsync($"/api/machines/{machineId}/accept", new { termsVersion = machine["latestTermsVersion"]!.GetValue<uint>() }, ct);
        await customer.WaitForOperationAsync(Location(accepted), untilFinal: true, TimeSpan.FromSeconds(120), ct);
        await customer.WaitForAsync($"/api/machines/{machineId}", m => m["state"]?.GetValue<string>() == "Accepted", TimeSpan.FromSeconds(60), ct);
        var started = await customer.PostAsync($"/api/machines/{machineId}/start", null, ct);
        await customer.WaitForOperationAsync(Location(started), untilFinal: true, TimeSpan.FromSeconds(120), ct);
        return machineId;
    }

    private static string Location(System.Text.Json.Nodes.JsonObject operation) => $"/api/machines/operations/{operation["id"]}";

    private static void Print(OperationOutcome outcome)
    {
        foreach (var step in outcome.Steps)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"     ✓ {step.Name,-10} tx {step.TransactionHash}  block {step.Block,-5} gas {step.GasUsed,8:N0}  in a block after {step.MinedMs,6:0} ms, final after {step.FinalMs,6:0} ms"));
    }
}
