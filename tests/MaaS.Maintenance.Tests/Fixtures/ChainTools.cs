using System.Numerics;
using MaaS.Chain.Contracts;
using MaaS.Chain.Transactions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Signer;
using Nethereum.Util;
using Nethereum.Web3;
using Npgsql;

namespace MaaS.Maintenance.Tests.Fixtures;

/// <summary>One row of the shared transaction ledger (<c>chain.transactions</c>).</summary>
public sealed record LedgerEntry(string Key, string From, long Nonce, string Hash, string Status);

/// <summary>
/// The test's hands on its private node and on the deployment's ledger: blocks on demand (a ticker that mines every
/// few hundred milliseconds, so that facts become final; paused when a test needs the chain to stand still), automining
/// switched off to put two transactions in one block, <c>anvil_reorg</c>, the members' keys from the shared key store,
/// and a transaction writer of its own (to send what the service refuses to, and watch the contract refuse it).
/// </summary>
public sealed class ChainTools : IAsyncDisposable
{
    private readonly Web3 web3;
    private readonly ServiceProvider services;
    private readonly string postgres;
    private readonly CancellationTokenSource stop = new();
    private readonly Task ticker;
    private volatile bool ticking = true;

    public ChainTools(Uri rpcUrl, IReadOnlyDictionary<string, string?> settings, string postgres)
    {
        web3 = new Web3(rpcUrl.ToString());
        this.postgres = postgres;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var collection = new ServiceCollection().AddLogging();
        collection.AddMaaSContracts(configuration);
        collection.AddTransactionWriter(configuration, runMonitor: false);
        services = collection.BuildServiceProvider();
        ticker = Task.Run(TickAsync);
    }

    public ITransactionWriter Writer => services.GetRequiredService<ITransactionWriter>();

    public IMachineRegistry Registry => services.GetRequiredService<IMachineRegistry>();

    public IMaintenanceMarket Market => services.GetRequiredService<IMaintenanceMarket>();

    public IConsortium Consortium => services.GetRequiredService<IConsortium>();

    /// <summary>Whether the ticker mines a block every 250 ms.</summary>
    public bool Ticking
    {
        get => ticking;
        set => ticking = value;
    }

    private async Task TickAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(250, stop.Token);
                if (ticking) await MineAsync();
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or Nethereum.JsonRpc.Client.RpcClientUnknownException)
            {
                // The node is being started or stopped.
            }
        }
    }

    public Task MineAsync() => web3.Client.SendRequestAsync<object>("evm_mine");

    /// <summary><c>anvil_mine</c>: <paramref name="blocks"/> empty blocks at once.</summary>
    public Task MineAsync(long blocks) =>
        web3.Client.SendRequestAsync<object>("anvil_mine", null, new Nethereum.Hex.HexTypes.HexBigInteger(blocks).HexValue);

    public Task SetAutomineAsync(bool on) => web3.Client.SendRequestAsync<object>("evm_setAutomine", null, on);

    /// <summary><c>anvil_reorg</c>: replaces the newest <paramref name="depth"/> blocks; each raw transaction goes into the new block at its offset.</summary>
    public Task ReorgAsync(int depth, params (string RawTx, int BlockOffset)[] transactions) =>
        web3.Client.SendRequestAsync<object>("anvil_reorg", null, depth, transactions.Select(t => new object[] { t.RawTx, t.BlockOffset }).ToArray());

    public async Task<long> HeadAsync() => (long)(await web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value;

    /// <summary>Transactions the node counts for the account, pending ones included.</summary>
    public async Task<long> NonceAsync(string account) =>
        (long)(await web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(account, BlockParameter.CreatePending())).Value;

    /// <summary>
    /// A transaction signed with a member's key from the deployment's key store, with the node's next nonce, not sent:
    /// for <see cref="ReorgAsync"/> to mine into a replacement block.
    /// </summary>
    public async Task<string> SignAsync(TransactionRequest request, long gas = 300_000)
    {
        var key = await services.GetRequiredService<PostgresKeyStore>().FindAsync(request.From) ?? throw new InvalidOperationException($"No key for {request.From}.");
        var latest = await web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(BlockParameter.CreateLatest());
        var priority = new BigInteger(2_000_000_000);
        var maxFee = (latest.BaseFeePerGas?.Value ?? BigInteger.Zero) * 2 + priority;
        var transaction = new Nethereum.Model.Transaction1559(31337, await NonceAsync(request.From), priority, maxFee, gas, request.To, 0, request.Data, null);
        return new Transaction1559Signer().SignTransaction(key, transaction).EnsureHexPrefix();
    }

    /// <summary>The block that holds the transaction and whether it succeeded there, or null while it is not mined.</summary>
    public async Task<(long Block, bool Succeeded)?> ReceiptAsync(string hash) =>
        await web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash) is { } receipt
            ? ((long)receipt.BlockNumber.Value, receipt.Status.Value == BigInteger.One)
            : null;

    public static string HashOf(string rawTransaction) => Sha3Keccack.Current.CalculateHash(rawTransaction.HexToByteArray()).ToHex(true);

    /// <summary>
    /// Sends <paramref name="request"/> as it is, skipping the simulation the service would do, with a fixed gas limit
    /// (nothing is estimated), and waits until it is in a block: the record says whether the contract refused it, and why.
    /// </summary>
    public async Task<TransactionRecord> SendUncheckedAsync(TransactionRequest request)
    {
        var key = $"tests/{Guid.NewGuid()}";
        await Writer.SendAsync(request with { IdempotencyKey = key, SkipSimulation = true, Gas = 400_000 });
        return await Writer.WaitAsync(key, timeout: TimeSpan.FromSeconds(60));
    }

    /// <summary>The ledger rows whose idempotency key starts with <paramref name="keyPrefix"/> (e.g. <c>maintenance/&lt;operation&gt;/</c>).</summary>
    public async Task<IReadOnlyList<LedgerEntry>> LedgerAsync(string keyPrefix)
    {
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT idempotency_key, from_address, nonce, hash, status FROM chain.transactions WHERE starts_with(idempotency_key, $1) ORDER BY idempotency_key", connection);
        command.Parameters.AddWithValue(keyPrefix);
        var entries = new List<LedgerEntry>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) entries.Add(new LedgerEntry(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4)));
        return entries;
    }

    /// <summary>How many transactions of <paramref name="account"/> the ledger holds.</summary>
    public async Task<long> LedgerCountAsync(string account)
    {
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM chain.transactions WHERE from_address = $1", connection);
        command.Parameters.AddWithValue(account.ToLowerInvariant());
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public Task FundAsync(string account) =>
        web3.Client.SendRequestAsync<object>("anvil_setBalance", null, account, new HexBigInteger(BigInteger.Pow(10, 24)).HexValue);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await ticker;
        stop.Dispose();
        await services.DisposeAsync();
    }
}
