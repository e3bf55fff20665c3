using System.CommandLine;
using System.Text.Json;
using MaaS.Chain.Node;
using MaaS.Chain.Transactions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Nethereum.Web3;

namespace MaaS.Cli.Commands;

/// <summary>Chain utilities. <c>flood</c> sends many transactions from one key through the shared ledger (tests and benchmarks).</summary>
public static class ChainCommands
{
    public static Command Create()
    {
        var rpc = new Option<string>("--rpc") { Description = "EVM node JSON-RPC URL", DefaultValueFactory = _ => "http://127.0.0.1:8545" };
        var chainId = new Option<long>("--chain-id") { DefaultValueFactory = _ => 31337 };
        var postgres = new Option<string>("--postgres") { Description = "Connection string of the transaction ledger", Required = true };
        var key = new Option<string>("--key") { Description = "Private key (hex) to sign with", Required = true };
        var count = new Option<int>("--count") { DefaultValueFactory = _ => 100 };
        var parallel = new Option<int>("--parallel") { DefaultValueFactory = _ => 16 };
        var prefix = new Option<string>("--prefix") { Description = "Idempotency-key prefix", DefaultValueFactory = _ => "flood" };
        var to = new Option<string>("--to") { DefaultValueFactory = _ => "0x000000000000000000000000000000000000dEaD" };

        var flood = new Command("flood", "Send --count value transfers from one key concurrently through the ledger and print a JSON summary")
        {
            rpc, chainId, postgres, key, count, parallel, prefix, to,
        };
        flood.SetAction(async (result, ct) =>
        {
            var keys = new InMemorySigningKeys();
            var from = keys.Add(result.GetValue(key)!);
            await using var dataSource = NpgsqlDataSource.Create(result.GetValue(postgres)!);
            var ledger = new TransactionLedger(dataSource, "chain");
            var writer = new TransactionWriter(ledger, keys, new Web3(result.GetValue(rpc)), Options.Create(new ChainOptions { ChainId = result.GetValue(chainId) }),
                Options.Create(new TransactionWriterOptions()), TimeProvider.System, NullLogger<TransactionWriter>.Instance);
            var errors = 0;
            var nonces = new System.Collections.Concurrent.ConcurrentBag<long>();
            await Parallel.ForEachAsync(Enumerable.Range(0, result.GetValue(count)), new ParallelOptions { MaxDegreeOfParallelism = result.GetValue(parallel), CancellationToken = ct },
                async (i, token) =>
                {
                    try
                    {
                        var record = await writer.SendAsync(new TransactionRequest($"{result.GetValue(prefix)}/{i}", from, result.GetValue(to)!, "0x") { Value = 1, Gas = 21_000 }, token);
                        nonces.Add(record.Nonce);
                        if (record.Status is TransactionStatus.Failed) Interlocked.Increment(ref errors);
                    }
                    catch (Exception ex)
                    {
                        Interlocked.Increment(ref errors);
                        await Console.Error.WriteLineAsync($"send {i}: {ex.Message}");
                    }
                });
            Console.WriteLine(JsonSerializer.Serialize(new { from, sent = nonces.Count, errors, nonces = nonces.Order().ToArray() }));
            return errors == 0 ? 0 : 1;
        });
        return new Command("chain", "Chain utilities") { flood };
    }
}
