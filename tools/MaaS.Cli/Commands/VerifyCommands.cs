using System.CommandLine;
using MaaS.Chain.Deployment;
using Nethereum.Web3;

namespace MaaS.Cli.Commands;

/// <summary>
/// <c>verify contracts</c>: what a third party does with a deployment (paper §5.1) — fetch each contract's published
/// source by the CID in the Consortium directory, recompile it with the pinned solc-js, compare with the code on chain.
/// </summary>
public static class VerifyCommands
{
    public static Command Create()
    {
        var rpc = new Option<string>("--rpc") { Description = "EVM node JSON-RPC URL", DefaultValueFactory = _ => "http://127.0.0.1:8545" };
        var deploymentFile = new Option<string>("--deployment") { Description = "Deployment file written by deploy", Required = true };
        var offChainDir = new Option<string?>("--offchain-dir") { Description = "Embedded off-chain store directory holding the published sources" };
        var kubo = new Option<Uri?>("--kubo-api") { Description = "Kubo RPC root holding the published sources, instead of --offchain-dir" };
        var node = new Option<string>("--node") { Description = "node executable", DefaultValueFactory = _ => "node" };
        var script = new Option<string?>("--compiler-script")
        {
            Description = $"Compile script (default: {NodeSolidityCompiler.ScriptRelativePath}, searched from here upwards)",
        };

        var contracts = new Command("contracts", "Recompile every published source and compare it with the code on chain; exit 1 on any mismatch")
        {
            rpc, deploymentFile, offChainDir, kubo, node, script,
        };
        contracts.SetAction((result, ct) => DeployCommands.Guarded("verify contracts", async () =>
        {
            var deployment = await ChainDeployment.LoadAsync(result.GetValue(deploymentFile)!, ct);
            var scriptPath = result.GetValue(script) ?? NodeSolidityCompiler.FindScript()
                ?? throw new FileNotFoundException($"No {NodeSolidityCompiler.ScriptRelativePath} here or above; pass --compiler-script.");
            using var stores = DeployCommands.OpenStore(result.GetValue(offChainDir), result.GetValue(kubo));
            var verifier = new ContractVerifier(new Web3(result.GetValue(rpc)), stores.Store, new NodeSolidityCompiler(scriptPath, result.GetValue(node)!));

            Console.WriteLine($"verifying {deployment.Contracts.Count} contracts on chain {deployment.ChainId} against sources in {stores.Description} (recompiling, ~30 s)");
            var report = await verifier.VerifyAsync(deployment, ct);
            Print(report);
            return report.Verified ? 0 : 1;
        }));
        return new Command("verify", "Independent checks of what is on chain") { contracts, VerifyProofCommand.Create(), VerifyInvoiceCommand.Create() };
    }

    private static void Print(VerificationReport report)
    {
        static string YesNo(bool? value) => value switch { true => "yes", false => "NO", null => "-" };
        Console.WriteLine($"{"contract",-16} {"address",-42} {"source CID",-46} {"source",-6} {"code",-4} {"directory",-9} {"wiring",-6} match");
        foreach (var c in report.Contracts)
        {
            Console.WriteLine($"{c.Name,-16} {c.Address ?? "-",-42} {c.SourceCid ?? "-",-46} {YesNo(c.SourceAvailable),-6} {YesNo(c.CodeMatches),-4} "
                + $"{YesNo(c.DirectoryMatches),-9} {YesNo(c.WiringMatches),-6} {YesNo(c.Verified)}");
        }
        foreach (var problem in report.Problems) Console.WriteLine($"  deployment: {problem}");
        foreach (var c in report.Contracts)
            foreach (var problem in c.Problems)
                Console.WriteLine($"  {c.Name}: {problem}");
        Console.WriteLine(report.Verified ? "all contracts verified" : "verification FAILED");
    }
}
