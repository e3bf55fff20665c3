using System.CommandLine;
using System.Globalization;
using System.Numerics;
using MaaS.Chain.Deployment;
using MaaS.OffChain;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;

namespace MaaS.Cli.Commands;

/// <summary>
/// <c>deploy</c>: the five contracts, wired, their source bundle published to the off-chain store and recorded in the
/// Consortium directory; writes the deployment file the services read (<c>Chain:DeploymentFile</c>).
/// </summary>
public static class DeployCommands
{
    public static Command Create()
    {
        var rpc = new Option<string>("--rpc") { Description = "EVM node JSON-RPC URL", DefaultValueFactory = _ => "http://127.0.0.1:8545" };
        var chainId = new Option<long?>("--chain-id") { Description = "Expected chain id (refuses another chain); the node's when omitted" };
        var operatorKey = new Option<string>("--operator-key") { Description = "Private key (hex) of the consortium operator, who deploys", Required = true };
        var offChainDir = new Option<string?>("--offchain-dir") { Description = "Embedded off-chain store directory to publish the sources to" };
        var kubo = new Option<Uri?>("--kubo-api") { Description = "Kubo RPC root (e.g. http://127.0.0.1:5001/) to publish the sources to, instead of --offchain-dir" };
        var output = new Option<string>("--out") { Description = "Deployment file to write", Required = true };
        var faucet = new Option<string?>("--faucet-wei") { Description = "Faucet balance to reach, in wei" };
        var allowance = new Option<string?>("--gas-allowance-wei") { Description = "Members' gas allowance to set, in wei" };
        var skipExisting = new Option<bool>("--skip-existing")
        {
            Description = "If --out exists: do nothing when its contracts are live on this chain, resume it when it is incomplete, deploy anew when the chain lost them",
        };
        var standardInput = new Option<string?>("--standard-input")
        {
            Description = "The solc standard-JSON input to publish (default: contracts/solidity/artifacts/standard-input.json, searched from here upwards)",
        };

        var deploy = new Command("deploy", "Deploy, wire and publish the five contracts; write the deployment file")
        {
            rpc, chainId, operatorKey, offChainDir, kubo, output, faucet, allowance, skipExisting, standardInput,
        };
        deploy.SetAction((result, ct) => Guarded("deploy", async () =>
        {
            var outPath = Path.GetFullPath(result.GetValue(output)!);
            using var stores = OpenStore(result.GetValue(offChainDir), result.GetValue(kubo));
            var rpcUrl = result.GetValue(rpc)!;
            var nodeChainId = (long)(await new Web3(rpcUrl).Eth.ChainId.SendRequestAsync()).Value;
            if (result.GetValue(chainId) is { } expected && expected != nodeChainId)
            {
                await Console.Error.WriteLineAsync($"deploy: the node at {rpcUrl} is chain {nodeChainId}, not {expected}");
                return 2;
            }
            var web3 = new Web3(new Account(result.GetValue(operatorKey)!, nodeChainId), rpcUrl);
            web3.TransactionManager.TransactionReceiptService.SetPollingRetryIntervalInMilliseconds(200);

            ChainDeployment? previous = null;
            if (File.Exists(outPath))
            {
                if (!result.GetValue(skipExisting))
                {
                    await Console.Error.WriteLineAsync($"deploy: {outPath} exists; pass --skip-existing to keep or resume it, or remove it to deploy anew");
                    return 2;
                }
                previous = await ChainDeployment.LoadAsync(outPath, ct);
                var (live, reason) = await ContractDeployer.IsLiveAsync(web3, previous, ct);
                if (live)
                {
                    Console.WriteLine($"deploy: {outPath} is live ({reason}); nothing to do");
                    return 0;
                }
                Console.WriteLine($"deploy: {outPath} is not live ({reason}); deploying what is missing");
            }

            var inputPath = result.GetValue(standardInput) ?? FindUpwards("contracts/solidity/artifacts/standard-input.json")
                ?? throw new FileNotFoundException("No contracts/solidity/artifacts/standard-input.json here or above; pass --standard-input.");
            var input = await File.ReadAllBytesAsync(inputPath, ct);

            Console.WriteLine($"chain {nodeChainId} at {rpcUrl}, operator {web3.TransactionManager.Account.Address}, store {stores.Description}");
            var deployer = new ContractDeployer(web3, stores.Store, new SynchronousProgress<DeploymentStep>(step => Console.WriteLine("  " + Format(step))));
            var options = new DeploymentOptions
            {
                FaucetWei = Wei(result.GetValue(faucet), "--faucet-wei") ?? 0,
                GasAllowanceWei = Wei(result.GetValue(allowance), "--gas-allowance-wei"),
            };
            var deployment = await deployer.DeployAsync(input, options, previous, (d, token) => d.SaveAsync(outPath, token), ct);
            Console.WriteLine($"wrote {outPath}: {deployment.Contracts.Count} contracts from block {deployment.DeploymentBlock}, "
                + $"{deployment.Contracts.Sum(c => c.GasUsed).ToString("N0", CultureInfo.InvariantCulture)} gas for the deployments");
            return 0;
        }));
        return deploy;
    }

    /// <summary>Runs a command; a failure is one line on stderr (the custom error's name for a contract refusal) and exit code 1.</summary>
    internal static async Task<int> Guarded(string command, Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"{command}: {ex.Message}");
            return 1;
        }
    }

    /// <summary>The off-chain store named on the command line: an embedded store directory or a Kubo node.</summary>
    internal static OpenedStore OpenStore(string? directory, Uri? kuboApi)
    {
        if (directory is not null && kuboApi is not null) throw new ArgumentException("Give either --offchain-dir or --kubo-api, not both.");
        if (directory is not null)
        {
            var embedded = new EmbeddedOffChainStore(directory);
            return new OpenedStore(new OffChainSourceStore(embedded), $"embedded {embedded.DataDirectory}", null);
        }
        if (kuboApi is not null)
        {
            var http = new HttpClient { BaseAddress = kuboApi.AbsoluteUri.EndsWith('/') ? kuboApi : new Uri(kuboApi.AbsoluteUri + "/"), Timeout = TimeSpan.FromSeconds(60) };
            return new OpenedStore(new OffChainSourceStore(new KuboOffChainStore(http)), $"kubo {http.BaseAddress}", http);
        }
        throw new ArgumentException("Name the off-chain store: --offchain-dir DIR or --kubo-api URL.");
    }

    internal static string? FindUpwards(string relative)
    {
        foreach (var origin in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(origin); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relative);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    private static BigInteger? Wei(string? text, string option)
    {
        if (text is null) return null;
        return BigInteger.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var wei)
            ? wei
            : throw new ArgumentException($"{option} takes a whole number of wei, not '{text}'.");
    }

    private static string Format(DeploymentStep step)
    {
        var line = $"{step.Action,-14} {step.Contract ?? "",-16} {step.Address ?? "",-42}";
        if (step.GasUsed is { } gas) line += $"  gas {gas.ToString("N0", CultureInfo.InvariantCulture),9}";
        if (step.TransactionHash is not null) line += $"  tx {step.TransactionHash}";
        if (step.Skipped) line += "  (already done)";
        if (step.Detail is not null) line += $"  {step.Detail}";
        return line.TrimEnd();
    }
}

/// <summary>An <see cref="ISourceStore"/> over the off-chain store, and what must be disposed with it.</summary>
internal sealed class OpenedStore(ISourceStore store, string description, IDisposable? owned) : IDisposable
{
    public ISourceStore Store { get; } = store;

    public string Description { get; } = description;

    public void Dispose() => owned?.Dispose();
}

/// <summary>The chain layer's view of the off-chain store: put, get by CID (re-hashed by the store), CIDs from digests.</summary>
/// <summary>Reports on the caller's thread, in order (Progress&lt;T&gt; posts to the thread pool and may reorder lines).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
