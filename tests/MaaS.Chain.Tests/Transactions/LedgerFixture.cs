using System.Numerics;
using MaaS.Chain.Artifacts;
using MaaS.Chain.Node;
using MaaS.Chain.Transactions;
using MaaS.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Signer;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;
using Npgsql;

namespace MaaS.Chain.Tests.Transactions;

/// <summary>A ledger database of its own on the test PostgreSQL, and helpers for funded throwaway keys on a chain.</summary>
public sealed class LedgerFixture : IAsyncLifetime
{
    public IsolatedEnvironment Environment { get; private set; } = null!;

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Environment = await IsolatedEnvironment.CreateAsync("ledger");
        DataSource = NpgsqlDataSource.Create(Environment.Postgres);
    }

    public async Task DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await Environment.DisposeAsync();
    }

    public TransactionLedger Ledger() => new(DataSource, "chain");

    public static TransactionWriter Writer(TransactionLedger ledger, ISigningKeys keys, Uri rpc, TransactionWriterOptions? options = null, int confirmations = 0) =>
        new(ledger, keys, new Web3(rpc.ToString()), Options.Create(new ChainOptions { RpcUrl = rpc, ChainId = TestServers.ChainId, Confirmations = confirmations }),
            Options.Create(options ?? new TransactionWriterOptions()), TimeProvider.System, NullLogger<TransactionWriter>.Instance);

    /// <summary>A new key with 100 ETH on the node, so no two tests ever share a nonce sequence.</summary>
    public static async Task<(InMemorySigningKeys Keys, string Address, string PrivateKey)> FundedKeyAsync(Uri rpc)
    {
        var key = EthECKey.GenerateKey();
        var privateKey = key.GetPrivateKeyAsBytes().ToHex(true);
        var keys = new InMemorySigningKeys([privateKey]);
        var address = key.GetPublicAddress();
        await new Web3(rpc.ToString()).Client.SendRequestAsync<object>("anvil_setBalance", null, address, new HexBigInteger(BigInteger.Pow(10, 20)).HexValue);
        return (keys, address, privateKey);
    }

    /// <summary>Deploys Consortium and TelemetryAnchor from the committed artifacts: a contract with custom errors to be refused by.</summary>
    public static async Task<string> DeployAnchorAsync(Uri rpc, string privateKey)
    {
        var web3 = new Web3(new Account(privateKey, TestServers.ChainId), rpc.ToString());
        var consortium = await Deploy(web3, ContractArtifact.Load("Consortium"));
        return await Deploy(web3, ContractArtifact.Load("TelemetryAnchor"), consortium);
    }

    private static async Task<string> Deploy(Web3 web3, ContractArtifact artifact, params object[] arguments)
    {
        var receipt = await web3.Eth.DeployContract.SendRequestAndWaitForReceiptAsync(artifact.AbiJson, artifact.Bytecode, web3.TransactionManager.Account.Address,
            new HexBigInteger(6_000_000), null, arguments);
        return receipt.ContractAddress;
    }

    /// <summary>ABI-encoded <c>commitRound(root, batchCount, manifestCid)</c>.</summary>
    public static string CommitRoundCall(byte[] root, uint batchCount, byte[] manifest)
    {
        var function = ContractArtifact.Load("TelemetryAnchor").Abi.Functions.Single(f => f.Name == "commitRound");
        return new FunctionCallEncoder().EncodeRequest(function.Sha3Signature, function.InputParameters, root, batchCount, manifest);
    }

    public static async Task<long> ChainNonceAsync(Uri rpc, string address) =>
        (long)(await new Web3(rpc.ToString()).Eth.Transactions.GetTransactionCount.SendRequestAsync(address, BlockParameter.CreateLatest())).Value;
}
