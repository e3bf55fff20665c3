using MaaS.Chain.Contracts;
using MaaS.Chain.Transactions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using Npgsql;

namespace MaaS.Machines.Tests.Fixtures;

/// <summary>One row of the shared transaction ledger (<c>chain.transactions</c>).</summary>
public sealed record LedgerEntry(string Key, string From, long Nonce, string Hash, string Status);

/// <summary>
/// What a test needs of the chain beside the service: nonces, blocks and time on the node, the transaction ledger in
/// the environment's database, and a transaction writer of its own that signs with the members' keys from the
/// environment's key store (so a test can send what the service refuses to, and watch the contract refuse it).
/// </summary>
public sealed class ChainProbe : IAsyncDisposable
{
    private readonly IsolatedEnvironment environment;
    private readonly Web3 web3;
    private readonly ServiceProvider services;

    /// <param name="confirmations">As the service counts them, so that both agree on when a transaction is final.</param>
    public ChainProbe(IsolatedEnvironment environment, int confirmations)
    {
        this.environment = environment;
        web3 = new Web3(environment.RpcUrl.ToString());
        var settings = environment.ServiceSettings();
        settings["Chain:Confirmations"] = confirmations.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var collection = new ServiceCollection().AddLogging();
        collection.AddMaaSContracts(configuration);
        collection.AddTransactionWriter(configuration, runMonitor: false);
        services = collection.BuildServiceProvider();
    }

    public ITransactionWriter Writer => services.GetRequiredService<ITransactionWriter>();

    public IMachineRegistry Registry => services.GetRequiredService<IMachineRegistry>();

    public IConsortium Consortium => services.GetRequiredService<IConsortium>();

    /// <summary>Transactions the node counts for the account, pending ones included.</summary>
    public async Task<long> NonceAsync(string account) =>
        (long)(await web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(account, BlockParameter.CreatePending())).Value;

    /// <summary>Empty blocks: let confirmations accrue on a chain that mines only on demand. Harmless to other users of the node.</summary>
    public Task MineAsync(int blocks = 1) => blocks == 1
        ? web3.Client.SendRequestAsync<object>("evm_mine")
        : web3.Client.SendRequestAsync<object>("anvil_mine", null, new HexBigInteger(blocks).HexValue);

    /// <summary>Moves the node's clock forward (never back: the test node is shared) and mines a block at the new time.</summary>
    public async Task AdvanceTimeAsync(TimeSpan by)
    {
        await web3.Client.SendRequestAsync<object>("evm_increaseTime", null, (long)by.TotalSeconds);
        await MineAsync();
    }

    public async Task<DateTimeOffset> NowAsync()
    {
        var block = await web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(BlockParameter.CreateLatest());
        return DateTimeOffset.FromUnixTimeSeconds((long)block.Timestamp.Value);
    }

    public async Task<bool> KnowsTransactionAsync(string hash) =>
        await web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(hash) is not null;

    /// <summary>The ledger rows whose idempotency key starts with <paramref name="keyPrefix"/> (e.g. <c>machines/&lt;operation&gt;/</c>).</summary>
    public async Task<IReadOnlyList<LedgerEntry>> LedgerAsync(string keyPrefix)
    {
        await using var connection = new NpgsqlConnection(environment.Postgres);
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
        await using var connection = new NpgsqlConnection(environment.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM chain.transactions WHERE from_address = $1", connection);
        command.Parameters.AddWithValue(account.ToLowerInvariant());
        return (long)(await command.ExecuteScalarAsync())!;
    }

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

    public ValueTask DisposeAsync() => services.DisposeAsync();
}
