using System.Text;
using MaaS.Testing;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Hex.HexTypes;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Util;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;

namespace MaaS.Chain.Tests.Following;

/// <summary>
/// A private anvil with a log-emitting contract assembled by hand, so these tests depend on no business contract and
/// may reorg the chain freely. The emitter's runtime copies its calldata to memory and LOG1s it under <see cref="Topic"/>.
/// </summary>
internal sealed class TestChain : IAsyncDisposable
{
    public const long ChainId = 31337;

    /// <summary>anvil's dev accounts 0 and 1 (the well-known test mnemonic).</summary>
    public static readonly Account Dev0 = new("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80", ChainId);
    public static readonly Account Dev1 = new("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d", ChainId);

    /// <summary>Topic 0 of every emitted log.</summary>
    public static readonly string Topic = "0x" + Sha3Keccack.Current.CalculateHash("Emitted(bytes)");

    private readonly PrivateAnvil anvil;

    private TestChain(PrivateAnvil anvil)
    {
        this.anvil = anvil;
        Web3 = anvil.Web3();
    }

    public Uri RpcUrl => anvil.RpcUrl;

    /// <summary>A read-only connection, as the follower has.</summary>
    public Web3 Web3 { get; }

    public static async Task<TestChain> StartAsync() => new(await PrivateAnvil.StartAsync());

    /// <summary>Init code that returns the runtime: PUSH1 len, DUP1, PUSH1 offset, PUSH1 0, CODECOPY, PUSH1 0, RETURN.</summary>
    public static string EmitterInitCode()
    {
        // CALLDATASIZE PUSH1 0 PUSH1 0 CALLDATACOPY   PUSH32 topic CALLDATASIZE PUSH1 0 LOG1   STOP
        var runtime = "3660006000377f" + Topic[2..] + "366000a100";
        var length = runtime.Length / 2;
        const int initLength = 11;
        return $"0x60{length:x2}8060{initLength:x2}60003960" + "00f3" + runtime;
    }

    public async Task<string> DeployEmitterAsync()
    {
        var receipt = await SendAsync(Dev0, to: null, EmitterInitCode(), gas: 200_000);
        return receipt.ContractAddress ?? throw new InvalidOperationException("the emitter was not deployed");
    }

    /// <summary>Emits one log whose data is <paramref name="payload"/> (UTF-8); returns the receipt (block number).</summary>
    public Task<TransactionReceipt> EmitAsync(string emitter, string payload, Account? from = null) =>
        SendAsync(from ?? Dev0, emitter, Payload(payload), gas: 100_000);

    /// <summary>Emits several logs in one block, in this order (automining paused meanwhile).</summary>
    public async Task<long> EmitInOneBlockAsync(string emitter, params string[] payloads)
    {
        await RpcAsync("evm_setAutomine", false);
        var hashes = new List<string>();
        try
        {
            var nonce = await NonceAsync(Dev0);
            foreach (var payload in payloads)
            {
                var raw = await SignAsync(Dev0, emitter, Payload(payload), 100_000, nonce++);
                hashes.Add(await Web3.Eth.Transactions.SendRawTransaction.SendRequestAsync(raw));
            }
            await RpcAsync("evm_mine");
        }
        finally
        {
            await RpcAsync("evm_setAutomine", true);
        }
        var receipts = new List<TransactionReceipt>();
        foreach (var hash in hashes) receipts.Add(await ReceiptAsync(hash));
        if (receipts.Select(r => r.BlockNumber.Value).Distinct().Count() != 1 || receipts.Any(r => r.Status.Value != 1))
            throw new InvalidOperationException("the emits did not land together in one block");
        return (long)receipts[0].BlockNumber.Value;
    }

    /// <summary>A signed emit that is not sent, for <see cref="ReorgAsync"/> to mine into a replacement block.</summary>
    public async Task<string> SignEmitAsync(string emitter, string payload, Account from) =>
        await SignAsync(from, emitter, Payload(payload), 100_000, await NonceAsync(from));

    /// <summary><c>anvil_reorg</c>: replaces the newest <paramref name="depth"/> blocks; each raw tx goes into the new block at its offset.</summary>
    public Task ReorgAsync(int depth, params (string RawTx, int BlockOffset)[] transactions) =>
        RpcAsync("anvil_reorg", depth, transactions.Select(t => new object[] { t.RawTx, t.BlockOffset }).ToArray());

    public Task MineAsync(int blocks) => RpcAsync("anvil_mine", new HexBigInteger(blocks).HexValue);

    public async Task<long> HeadAsync() => (long)(await Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value;

    public async Task<string> BlockHashAsync(long number) =>
        (await Web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(new HexBigInteger(number))).BlockHash;

    public static string Payload(string text) => "0x" + Encoding.UTF8.GetBytes(text).ToHex();

    public static string Text(string dataHex) => Encoding.UTF8.GetString(dataHex.HexToByteArray());

    private async Task<TransactionReceipt> SendAsync(Account from, string? to, string data, long gas)
    {
        var raw = await SignAsync(from, to, data, gas, await NonceAsync(from));
        var hash = await Web3.Eth.Transactions.SendRawTransaction.SendRequestAsync(raw);
        var receipt = await ReceiptAsync(hash);
        if (receipt.Status.Value != 1) throw new InvalidOperationException($"transaction {hash} failed");
        return receipt;
    }

    /// <summary>anvil answers <c>eth_sendRawTransaction</c> before its automined block is stored: wait for the receipt.</summary>
    private Task<TransactionReceipt> ReceiptAsync(string hash) =>
        Eventually.GetAsync(() => Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash), $"a receipt for {hash}", TimeSpan.FromSeconds(10));

    private async Task<string> SignAsync(Account from, string? to, string data, long gas, long nonce)
    {
        var signer = new Web3(from, anvil.RpcUrl.ToString());
        var input = new TransactionInput
        {
            From = from.Address,
            To = to,
            Data = data,
            Gas = new HexBigInteger(gas),
            Nonce = new HexBigInteger(nonce),
            MaxFeePerGas = new HexBigInteger(Nethereum.Web3.Web3.Convert.ToWei(10, Nethereum.Util.UnitConversion.EthUnit.Gwei)),
            MaxPriorityFeePerGas = new HexBigInteger(1),
            Type = new HexBigInteger(2),
        };
        return await signer.TransactionManager.SignTransactionAsync(input);
    }

    private async Task<long> NonceAsync(Account account) =>
        (long)(await Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(account.Address, BlockParameter.CreatePending())).Value;

    private Task RpcAsync(string method, params object[] parameters) =>
        Web3.Client.SendRequestAsync<object>(new RpcRequest(1, method, parameters));

    public ValueTask DisposeAsync() => anvil.DisposeAsync();
}
