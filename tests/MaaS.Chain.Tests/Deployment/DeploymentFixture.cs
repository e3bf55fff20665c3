using System.Collections.Concurrent;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MaaS.Chain.Deployment;
using MaaS.Chain.Transactions;
using MaaS.Testing;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Signer;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;

namespace MaaS.Chain.Tests.Deployment;

/// <summary>A private anvil, a scratch directory, and fresh deployments on demand (each with its own operator key and store).</summary>
public sealed class DeploymentFixture : IAsyncLifetime
{
    private int deployments;

    public PrivateAnvil Anvil { get; private set; } = null!;

    public string Scratch { get; } = Path.Combine(Path.GetTempPath(), $"maas-deployment-{Guid.NewGuid():N}");

    public static string SolidityDirectory => Path.Combine(Repository.Root, "contracts", "solidity");

    public static byte[] StandardInput { get; } = File.ReadAllBytes(Path.Combine(SolidityDirectory, "artifacts", "standard-input.json"));

    /// <summary>solc-js through verify-compile.mjs, each distinct input compiled once per test run (≈ 25 s each).</summary>
    public static ISolidityCompiler Compiler { get; } = new CachingCompiler(new NodeSolidityCompiler(Path.Combine(SolidityDirectory, "verify-compile.mjs")));

    public Web3 Reader() => Anvil.Web3();

    public async Task InitializeAsync()
    {
        Anvil = await PrivateAnvil.StartAsync();
        Directory.CreateDirectory(Scratch);
    }

    public async Task DisposeAsync()
    {
        await Anvil.DisposeAsync();
        if (Directory.Exists(Scratch)) Directory.Delete(Scratch, recursive: true);
    }

    /// <summary>A key with 1,000 ETH and a Web3 that signs with it.</summary>
    public async Task<(Web3 Web3, string Address, string PrivateKey)> FundedAccountAsync()
    {
        var key = EthECKey.GenerateKey();
        var privateKey = key.GetPrivateKeyAsBytes().ToHex(true);
        var address = key.GetPublicAddress().ToLowerInvariant();
        await Reader().Client.SendRequestAsync<object>("anvil_setBalance", null, address, new HexBigInteger(BigInteger.Pow(10, 21)).HexValue);
        var web3 = new Web3(new Account(privateKey, TestServers.ChainId), Anvil.RpcUrl.ToString());
        web3.TransactionManager.TransactionReceiptService.SetPollingRetryIntervalInMilliseconds(50);
        return (web3, address, privateKey);
    }

    public sealed record Deployed(ChainDeployment Deployment, DirectorySourceStore Store, Web3 Operator, string File, List<DeploymentStep> Steps);

    /// <summary>Deploys the five contracts with a fresh operator into a fresh store; the deployment file is saved after every step.</summary>
    public async Task<Deployed> DeployAsync(DeploymentOptions? options = null)
    {
        var n = Interlocked.Increment(ref deployments);
        var store = new DirectorySourceStore(Path.Combine(Scratch, $"store-{n}"));
        var file = Path.Combine(Scratch, $"deployment-{n}.json");
        var (web3, _, _) = await FundedAccountAsync();
        var steps = new List<DeploymentStep>();
        var deployer = new ContractDeployer(web3, store, new Collect(steps));
        var deployment = await deployer.DeployAsync(StandardInput, options ?? new DeploymentOptions(), checkpoint: (d, ct) => d.SaveAsync(file, ct));
        return new Deployed(deployment, store, web3, file, steps);
    }

    /// <summary>Sends a binding's request from the operator with plain Nethereum (explicit gas) and returns the receipt.</summary>
    public static async Task<TransactionReceipt> SendAsync(Web3 web3, TransactionRequest request)
    {
        var receipt = await web3.TransactionManager.SendTransactionAndWaitForReceiptAsync(new TransactionInput
        {
            From = request.From,
            To = request.To,
            Data = request.Data,
            Value = new HexBigInteger(request.Value),
            Gas = new HexBigInteger(500_000),
        }, CancellationToken.None);
        if (receipt.Status.Value != 1) throw new InvalidOperationException($"{request.IdempotencyKey} failed: {receipt.TransactionHash}");
        return receipt;
    }

    public async Task<long> NonceAsync(string address) =>
        (long)(await Reader().Eth.Transactions.GetTransactionCount.SendRequestAsync(address, BlockParameter.CreateLatest())).Value;

    public async Task SetCodeAsync(string address, string code) =>
        await Reader().Client.SendRequestAsync<object>("anvil_setCode", null, address, code);

    private sealed class Collect(List<DeploymentStep> steps) : IProgress<DeploymentStep>
    {
        public void Report(DeploymentStep value)
        {
            lock (steps) steps.Add(value);
        }
    }
}

/// <summary>
/// Remembers compilations by what determines them (language, settings, each source's path and content), so the
/// per-source manifest, which reassembles the same input in another JSON layout, is not compiled a second time.
/// </summary>
public sealed class CachingCompiler(ISolidityCompiler inner) : ISolidityCompiler
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<CompilationResult>>> Cache = new();

    public static int Compilations;

    public Task<CompilationResult> CompileAsync(ReadOnlyMemory<byte> standardInput, CancellationToken ct = default)
    {
        var input = JsonNode.Parse(standardInput.Span)!.AsObject();
        var key = new StringBuilder(input["language"]!.ToJsonString()).Append(input["settings"]!.ToJsonString());
        foreach (var (path, source) in input["sources"]!.AsObject().OrderBy(s => s.Key, StringComparer.Ordinal))
            key.Append('\n').Append(path).Append('\n').Append(source!["content"]!.GetValue<string>());
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToString())));
        var copy = standardInput.ToArray();
        var entry = Cache.GetOrAdd(hash, _ => new Lazy<Task<CompilationResult>>(() =>
        {
            Interlocked.Increment(ref Compilations);
            return inner.CompileAsync(copy, CancellationToken.None);
        }));
        return entry.Value.WaitAsync(ct);
    }
}
