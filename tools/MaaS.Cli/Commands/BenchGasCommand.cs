using System.CommandLine;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MaaS.Chain.Artifacts;
using MaaS.Chain.Transactions;
using MaaS.OffChain;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Signer;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;

namespace MaaS.Cli.Commands;

/// <summary>
/// <c>bench gas</c>: deploys the five contracts afresh on the node, runs the paper's two workflows (machine provisioning;
/// failure and maintenance), invoicing and anchoring rounds of 1, 100 and 1,000 batches with realistic identifiers
/// (UUID machine ids, sha256 CID digests, RFC 6962 Merkle roots), averages gasUsed over several loops and compares
/// each operation with the paper's Table 1 and the targets (register ≤ 150,000; every other paper row ≤ 0.75 × paper;
/// anchoring ≤ 500 gas per batch at 1,000 batches). Needs a dev node that accepts <c>evm_increaseTime</c> (anvil)
/// to end a billing period.
/// </summary>
public static class BenchGasCommand
{
    /// <summary>anvil's dev account 0 (the well-known test mnemonic).</summary>
    private const string Dev0Key = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    public static Command Create()
    {
        var rpc = new Option<string>("--rpc") { Description = "EVM node JSON-RPC URL (a fresh dev chain)", DefaultValueFactory = _ => "http://127.0.0.1:8545" };
        var output = new Option<string>("--out") { Description = "JSON results file", DefaultValueFactory = _ => "bench/results/gas.json" };
        var key = new Option<string>("--key") { Description = "Funded private key: deployer, consortium operator and funder of the bench's accounts", DefaultValueFactory = _ => Dev0Key };
        var loops = new Option<int>("--loops") { Description = "Samples per operation", DefaultValueFactory = _ => 5 };

        var gas = new Command("gas", "Measure gasUsed of the contract operations and compare with the paper's Table 1") { rpc, output, key, loops };
        gas.SetAction(async (result, ct) =>
        {
            var bench = await GasBench.ConnectAsync(result.GetValue(rpc)!, result.GetValue(key)!, Math.Max(2, result.GetValue(loops)));
            var report = await bench.RunAsync(ct);
            report.Print(Console.Out);
            var path = Path.GetFullPath(result.GetValue(output)!);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, report.ToJson() + "\n", ct);
            Console.WriteLine($"wrote {path}");
            return 0;
        });
        return gas;
    }

    private sealed class GasBench
    {
        private const int Region = 33;
        private const int AllRegions = 65535;
        private const uint BillingPeriod = 30 * 86_400;
        private static readonly byte[] Model = Ascii("PRESS-4000");

        private readonly string rpc;
        private readonly long chainId;
        private readonly Web3 operatorWeb3;
        private readonly int loops;
        private readonly Dictionary<string, List<long>> samples = [];
        private readonly Dictionary<string, List<long>> rounds = [];
        private readonly Dictionary<string, long> setup = [];

        private GasBench(string rpc, long chainId, string key, int loops)
        {
            this.rpc = rpc;
            this.chainId = chainId;
            this.loops = loops;
            operatorWeb3 = new Web3(new Account(key, chainId), rpc);
        }

        public static async Task<GasBench> ConnectAsync(string rpc, string key, int loops)
        {
            var chainId = (long)(await new Web3(rpc).Eth.ChainId.SendRequestAsync()).Value;
            return new GasBench(rpc, chainId, key, loops);
        }

        private string OperatorAddress => operatorWeb3.TransactionManager.Account.Address;

        public async Task<GasReport> RunAsync(CancellationToken ct)
        {
            // ---------------------------------------------------------------- deployment and consortium set-up
            var consortium = await DeployAsync("Consortium");
            var registry = await DeployAsync("MachineRegistry", consortium.Address);
            var invoicing = await DeployAsync("Invoicing", registry.Address);
            var maintenance = await DeployAsync("Maintenance", consortium.Address, registry.Address);
            var anchor = await DeployAsync("TelemetryAnchor", consortium.Address);
            setup["registry.setModules"] = await SendAsync(registry, operatorWeb3, "setModules", invoicing.Address, maintenance.Address);

            var oem = await MemberAsync(consortium, 1);
            var customer = await MemberAsync(consortium, 2);
            var maintainerA = await MemberAsync(consortium, 4);
            var maintainerB = await MemberAsync(consortium, 4);
            var anchorer = await FundedAsync();
            setup["consortium.accredit"] = await SendAsync(consortium, oem, "accredit", Model, Region, Address(maintainerA));
            await SendAsync(consortium, oem, "accredit", Model, AllRegions, Address(maintainerB));
            setup["anchor.grantAnchorer"] = await SendAsync(anchor, operatorWeb3, "grantAnchorer", Address(anchorer));

            // ---------------------------------------------------------------- provisioning: register, set terms, accept, start
            var machines = new List<byte[]>();
            for (var i = 0; i < loops; i++)
            {
                ct.ThrowIfCancellationRequested();
                var id = MachineId();
                machines.Add(id);
                Record("register machine", await SendAsync(registry, oem, "register", id, Address(customer), Model, Region,
                    CidDigest($"{{\"machine\":\"{Hex(id)}\",\"model\":\"PRESS-4000\",\"serial\":\"SN-{i:D6}\",\"power_kw\":37}}"),
                    EthECKey.GenerateKey().GetPublicAddress(), 900u, CidDigest($"rental agreement of {Hex(id)}")));
                Record("create invoice contract", await SendAsync(invoicing, oem, "setTerms", id, CidDigest($"pricing and SLA v1 of {Hex(id)}"), BillingPeriod));
                Record("accept machine", await SendAsync(registry, customer, "accept", id, 1u));
                Record("start", await SendAsync(registry, customer, "start", id));
            }

            // ---------------------------------------------------------------- failure and maintenance (FCFS)
            foreach (var id in machines)
            {
                ct.ThrowIfCancellationRequested();
                Record("stop", await SendAsync(registry, customer, "stop", id));
                Record("create ticket", await SendAsync(registry, customer, "openTicket", id, 1, CidDigest($"spindle vibration on {Hex(id)} at {DateTime.UtcNow:O}")));
                var seq = await CurrentSeqAsync(registry, id);
                Record("accept ticket", await SendAsync(registry, maintainerA, "acceptTicket", id, seq));
                await ExpectRefusalAsync(registry, maintainerB, "TicketAlreadyTaken", "acceptTicket", id, seq);
                Record("complete ticket", await SendAsync(registry, maintainerA, "completeTicket", id, seq, CidDigest($"maintenance report {Hex(id)}/{seq}")));
                Record("close ticket", await SendAsync(registry, customer, "closeTicket", id, seq));
                Record("reset", await SendAsync(registry, customer, "resetMachineState", id));
                Record("start", await SendAsync(registry, customer, "start", id));
            }

            // ---------------------------------------------------------------- invoicing: the first period has ended
            await IncreaseTimeAsync(BillingPeriod + 60);
            foreach (var id in machines)
            {
                ct.ThrowIfCancellationRequested();
                var total = new BigInteger(1_234_567);
                Record("issue invoice", await SendAsync(invoicing, oem, "issueInvoice", id, 0u, total,
                    CidDigest($"invoice {Hex(id)} period 0 total {total}"), Round(30, machines.IndexOf(id)).Root, 1u));
                Record("accept invoice", await SendAsync(invoicing, customer, "acceptInvoice", id, 0u, (ushort)0));
                Record("settle invoice", await SendAsync(invoicing, oem, "settleInvoice", id, 0u, (ushort)0));
            }

            // ---------------------------------------------------------------- invoicing: new terms during period 1, a disputed and corrected invoice
            foreach (var id in machines)
            {
                ct.ThrowIfCancellationRequested();
                Record("propose terms version", await SendAsync(invoicing, oem, "setTerms", id, CidDigest($"pricing and SLA v2 of {Hex(id)}"), BillingPeriod));
                Record("accept terms version", await SendAsync(invoicing, customer, "acceptTerms", id, 2u));
            }
            await IncreaseTimeAsync(BillingPeriod);
            foreach (var id in machines)
            {
                ct.ThrowIfCancellationRequested();
                var (claimed, corrected) = (new BigInteger(2_000_000), new BigInteger(1_999_000));
                Record("issue invoice", await SendAsync(invoicing, oem, "issueInvoice", id, 1u, claimed,
                    CidDigest($"invoice {Hex(id)} period 1 total {claimed}"), Round(30, machines.IndexOf(id)).Root, 1u));
                Record("dispute invoice", await SendAsync(invoicing, customer, "disputeInvoice", id, 1u, (ushort)0, CidDigest($"recomputed invoice {Hex(id)} period 1 total {corrected}")));
                Record("re-issue invoice", await SendAsync(invoicing, oem, "issueInvoice", id, 1u, corrected,
                    CidDigest($"invoice {Hex(id)} period 1 total {corrected}"), Round(30, machines.IndexOf(id)).Root, 1u));
                Record("accept invoice", await SendAsync(invoicing, customer, "acceptInvoice", id, 1u, (ushort)1));
            }

            // ---------------------------------------------------------------- anchoring
            var (firstRoot, firstManifest) = Round(1, -1);
            setup["anchor.commitRound (first round ever: roundCount 0 → 1)"] = await SendAsync(anchor, anchorer, "commitRound", firstRoot, 1u, firstManifest);
            for (var i = 0; i < loops; i++)
            {
                foreach (var batches in new[] { 1, 100, 1_000 })
                {
                    ct.ThrowIfCancellationRequested();
                    var (root, manifest) = Round(batches, i);
                    var gas = await SendAsync(anchor, anchorer, "commitRound", root, (uint)batches, manifest);
                    if (!rounds.TryGetValue(batches.ToString(CultureInfo.InvariantCulture), out var list)) rounds[batches.ToString(CultureInfo.InvariantCulture)] = list = [];
                    list.Add(gas);
                }
            }

            return new GasReport(samples, rounds, setup, loops, await HardforkAsync());
        }

        // ------------------------------------------------------------------ chain helpers

        private async Task<Deployed> DeployAsync(string name, params object[] arguments)
        {
            var artifact = ContractArtifact.Load(name);
            var receipt = await operatorWeb3.Eth.DeployContract.SendRequestAndWaitForReceiptAsync(
                artifact.AbiJson, artifact.Bytecode, OperatorAddress, new HexBigInteger(8_000_000), CancellationToken.None, arguments);
            if (receipt.Status.Value != 1) throw new InvalidOperationException($"deployment of {name} failed");
            setup[$"deploy {name}"] = (long)receipt.GasUsed.Value;
            return new Deployed(artifact, receipt.ContractAddress);
        }

        private async Task<Web3> FundedAsync()
        {
            var key = EthECKey.GenerateKey();
            var web3 = new Web3(new Account(key.GetPrivateKeyAsBytes().ToHex(true), chainId), rpc);
            var receipt = await operatorWeb3.Eth.GetEtherTransferService()
                .TransferEtherAndWaitForReceiptAsync(key.GetPublicAddress(), 10m, gas: new BigInteger(21_000));
            if (receipt.Status.Value != 1) throw new InvalidOperationException("funding a bench account failed");
            return web3;
        }

        /// <summary>A funded account that joined through the invitation scheme (create, then redeem with the one-time key).</summary>
        private async Task<Web3> MemberAsync(Deployed consortium, int roles)
        {
            var member = await FundedAsync();
            var code = EthECKey.GenerateKey();
            var expires = (long)(await operatorWeb3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(BlockParameter.CreateLatest())).Timestamp.Value + 86_400;
            setup["consortium.createInvitation"] = await SendAsync(consortium, operatorWeb3, "createInvitation", code.GetPublicAddress(), roles, expires);
            var hash = await Fn(consortium, operatorWeb3, "redemptionHash").CallAsync<byte[]>(Address(member));
            var signature = new EthereumMessageSigner().Sign(hash, code).HexToByteArray();
            setup["consortium.redeemInvitation"] = await SendAsync(consortium, member, "redeemInvitation", signature);
            return member;
        }

        /// <summary>Simulates (a refusal stops the bench with the error's name), then sends with an explicit gas limit; returns gasUsed.</summary>
        private static async Task<long> SendAsync(Deployed contract, Web3 from, string function, params object[] args)
        {
            var fn = Fn(contract, from, function);
            var sender = from.TransactionManager.Account.Address;
            HexBigInteger estimate;
            try
            {
                estimate = await fn.EstimateGasAsync(sender, null, null, args);
            }
            catch (Exception ex) when (RevertDecoder.RevertDataOf(ex) is { } data)
            {
                throw new InvalidOperationException($"{function} was refused: {RevertDecoder.Decode(data).Message}", ex);
            }
            var gas = new HexBigInteger(estimate.Value * 5 / 4 + 20_000);
            var receipt = await fn.SendTransactionAndWaitForReceiptAsync(sender, gas, new HexBigInteger(0), CancellationToken.None, args);
            if (receipt.Status.Value != 1) throw new InvalidOperationException($"{function} failed on chain ({receipt.TransactionHash})");
            return (long)receipt.GasUsed.Value;
        }

        private static async Task ExpectRefusalAsync(Deployed contract, Web3 from, string error, string function, params object[] args)
        {
            var fn = Fn(contract, from, function);
            try
            {
                await fn.EstimateGasAsync(from.TransactionManager.Account.Address, null, null, args);
            }
            catch (Exception ex) when (RevertDecoder.RevertDataOf(ex) is { } data && RevertDecoder.Decode(data).ErrorName == error)
            {
                return;
            }
            throw new InvalidOperationException($"{function} was expected to be refused with {error}");
        }

        private async Task<uint> CurrentSeqAsync(Deployed registry, byte[] id)
        {
            var ticket = await Fn(registry, operatorWeb3, "ticket").CallDecodingToDefaultAsync(id);
            return (uint)(BigInteger)ticket.Single(p => p.Parameter.Name == "seq").Result;
        }

        private async Task IncreaseTimeAsync(long seconds)
        {
            try
            {
                await operatorWeb3.Client.SendRequestAsync<object>("evm_increaseTime", null, new HexBigInteger(seconds).HexValue);
                await operatorWeb3.Client.SendRequestAsync<object>("evm_mine", null);
            }
            catch (Exception ex) when (ex is Nethereum.JsonRpc.Client.RpcResponseException)
            {
                throw new InvalidOperationException("the node refuses evm_increaseTime: run the gas bench on a dev chain (anvil) so a billing period can end", ex);
            }
        }

        private async Task<string> HardforkAsync()
        {
            try
            {
                var info = await operatorWeb3.Client.SendRequestAsync<Newtonsoft.Json.Linq.JObject>("anvil_nodeInfo", null);
                return info["hardFork"]?.ToString() ?? "unknown";
            }
            catch (Exception ex) when (ex is Nethereum.JsonRpc.Client.RpcResponseException)
            {
                return "unknown";
            }
        }

        private void Record(string operation, long gas)
        {
            if (!samples.TryGetValue(operation, out var list)) samples[operation] = list = [];
            list.Add(gas);
        }

        private static Nethereum.Contracts.Function Fn(Deployed contract, Web3 from, string function) =>
            from.Eth.GetContract(contract.Artifact.AbiJson, contract.Address).GetFunction(function);

        private static string Address(Web3 web3) => web3.TransactionManager.Account.Address;

        // ------------------------------------------------------------------ realistic identifiers

        /// <summary>A random UUID in the low 16 bytes of a bytes32 (RFC 4122 byte order), as docs/contracts.md specifies.</summary>
        private static byte[] MachineId()
        {
            var id = new byte[32];
            if (!Guid.NewGuid().TryWriteBytes(id.AsSpan(16, 16), bigEndian: true, out _)) throw new InvalidOperationException("UUID");
            return id;
        }

        /// <summary>The on-chain form of a CID: sha256 of the UnixFS block of the document.</summary>
        private static byte[] CidDigest(string document) => Cid.Compute(Encoding.UTF8.GetBytes(document)).Digest.ToArray();

        /// <summary>An anchoring round: the RFC 6962 root over <paramref name="batches"/> batch leaves and the CID of its manifest.</summary>
        private static (byte[] Root, byte[] Manifest) Round(int batches, int loop)
        {
            var leaves = Enumerable.Range(0, batches)
                .Select(b => Merkle.HashLeaf(Encoding.UTF8.GetBytes($"{{\"batch\":{b},\"loop\":{loop},\"device\":\"{b % 17}\",\"records\":60}}")))
                .ToList();
            var root = Merkle.ComputeRoot(leaves);
            var manifest = new StringBuilder("{\"batches\":[");
            manifest.AppendJoin(',', leaves.Select(l => $"\"{l.ToHex()}\""));
            manifest.Append("]}");
            return (root, CidDigest(manifest.ToString()));
        }

        private static byte[] Ascii(string text)
        {
            var bytes = new byte[32];
            Encoding.ASCII.GetBytes(text).CopyTo(bytes, 0);
            return bytes;
        }

        private static string Hex(byte[] bytes) => bytes.ToHex(true);
    }

    private sealed record Deployed(ContractArtifact Artifact, string Address);

    private sealed record PaperRow(string Operation, long? Paper, long? Target, string Function);

    private sealed class GasReport(
        IReadOnlyDictionary<string, List<long>> samples, IReadOnlyDictionary<string, List<long>> rounds,
        IReadOnlyDictionary<string, long> setup, int loops, string hardfork)
    {
        private const double AnchoringTargetPerBatch = 500;

        /// <summary>The paper's Table 1 rows (operation names as the paper gives them) and the contract call measured for each.</summary>
        private static readonly PaperRow[] Rows =
        [
            new("register machine", 1_833_417, 150_000, "MachineRegistry.register"),
            new("create invoice contract", 110_287, Target(110_287), "Invoicing.setTerms (the per-machine terms are the paper's invoice contract)"),
            new("accept machine", 72_012, Target(72_012), "MachineRegistry.accept (also activates the terms in Invoicing)"),
            new("accept ticket", 57_110, Target(57_110), "MachineRegistry.acceptTicket (regional accreditation)"),
            new("create ticket", 48_165, Target(48_165), "MachineRegistry.openTicket"),
            new("close ticket", 41_291, Target(41_291), "MachineRegistry.closeTicket"),
            new("stop", 41_040, Target(41_040), "MachineRegistry.stop (by the customer)"),
            new("start", 37_157, Target(37_157), "MachineRegistry.start"),
            new("reset", 37_148, Target(37_148), "MachineRegistry.resetMachineState (by the customer)"),
            new("complete ticket", 36_315, Target(36_315), "MachineRegistry.completeTicket"),
            new("issue invoice", null, null, "Invoicing.issueInvoice (one billing period, under terms version 1)"),
            new("accept invoice", null, null, "Invoicing.acceptInvoice"),
            new("settle invoice", null, null, "Invoicing.settleInvoice (the OEM records payment of an accepted invoice)"),
            new("dispute invoice", null, null, "Invoicing.disputeInvoice (the customer's recomputed document as evidence)"),
            new("re-issue invoice", null, null, "Invoicing.issueInvoice of a disputed period (revision 1)"),
            new("propose terms version", null, null, "Invoicing.setTerms (version 2 of a machine's terms)"),
            new("accept terms version", null, null, "Invoicing.acceptTerms (version 2 applies from the next period)"),
        ];

        private static long Target(long paper) => paper * 3 / 4;

        private static string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

        private static long Average(List<long> values) => (long)Math.Round(values.Average(), MidpointRounding.AwayFromZero);

        public void Print(TextWriter o)
        {
            o.WriteLine($"MaaS contracts gas (bench gas): hardfork {hardfork}, {loops} loops, averages of gasUsed; machine ids are UUIDs, CIDs sha256 digests");
            o.WriteLine();
            o.WriteLine($"{"operation",-24} {"gas (avg)",10} {"min-max",17} {"paper",10} {"ratio",6} {"target",10}  {"met",-4} measured call");
            o.WriteLine(new string('-', 130));
            foreach (var row in Rows)
            {
                var s = samples[row.Operation];
                var avg = Average(s);
                var ratio = row.Paper is { } p ? ((double)avg / p).ToString("0.000", CultureInfo.InvariantCulture) : "";
                var met = row.Target is { } t ? (s.Max() <= t ? "yes" : "MISS") : "-";
                var range = s.Min() == s.Max() ? "" : $"{N(s.Min())}-{N(s.Max())}";
                o.WriteLine($"{row.Operation,-24} {N(avg),10} {range,17} {(row.Paper is { } pp ? N(pp) : ""),10} {ratio,6} {(row.Target is { } tt ? N(tt) : ""),10}  {met,-4} {row.Function}");
            }
            o.WriteLine();
            o.WriteLine($"{"anchoring round",-24} {"gas (avg)",10} {"gas per batch",14} {"target",10}  met");
            o.WriteLine(new string('-', 70));
            foreach (var (batches, gas) in rounds.OrderBy(r => int.Parse(r.Key, CultureInfo.InvariantCulture)))
            {
                var n = int.Parse(batches, CultureInfo.InvariantCulture);
                var perBatch = PerBatch(gas, n);
                var target = n == 1_000 ? N(AnchoringTargetPerBatch) : "";
                var met = n == 1_000 ? (gas.Max() / (double)n <= AnchoringTargetPerBatch ? "yes" : "MISS") : "-";
                o.WriteLine($"{$"{N(n)} batch{(n == 1 ? "" : "es")}",-24} {N(Average(gas)),10} {perBatch.ToString("N1", CultureInfo.InvariantCulture),14} {target,10}  {met}");
            }
            o.WriteLine();
            o.WriteLine("set-up (one sample each, not in the JSON):");
            foreach (var (what, gas) in setup) o.WriteLine($"  {what,-58} {N(gas),10}");
            var misses = Rows.Where(r => r.Target is { } t && samples[r.Operation].Max() > t).Select(r => r.Operation).ToList();
            o.WriteLine();
            o.WriteLine(misses.Count == 0 ? "every target met" : $"targets missed: {string.Join(", ", misses)}");
        }

        private static double PerBatch(List<long> gas, int batches) => Math.Round(gas.Average() / batches, 1);

        public string ToJson()
        {
            var result = new GasJson(
                Rows.Select(r => new OperationJson(r.Operation, Average(samples[r.Operation]), r.Paper)).ToList(),
                rounds.OrderBy(r => int.Parse(r.Key, CultureInfo.InvariantCulture))
                    .Select(r => new AnchoringJson(int.Parse(r.Key, CultureInfo.InvariantCulture), PerBatch(r.Value, int.Parse(r.Key, CultureInfo.InvariantCulture))))
                    .ToList());
            return JsonSerializer.Serialize(result, JsonOptions);
        }

        private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never };
    }

    private sealed record GasJson(
        [property: JsonPropertyName("operations")] List<OperationJson> Operations,
        [property: JsonPropertyName("anchoring")] List<AnchoringJson> Anchoring);

    private sealed record OperationJson(
        [property: JsonPropertyName("operation")] string Operation,
        [property: JsonPropertyName("gas")] long Gas,
        [property: JsonPropertyName("paper_gas")] long? PaperGas);

    private sealed record AnchoringJson(
        [property: JsonPropertyName("batches_per_round")] int BatchesPerRound,
        [property: JsonPropertyName("gas_per_batch")] double GasPerBatch);
}
