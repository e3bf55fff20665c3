using System.Collections.Concurrent;
using System.Numerics;
using MaaS.Chain.Node;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nethereum.Hex.HexTypes;
using Nethereum.JsonRpc.Client;
using Nethereum.Model;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Signer;
using Nethereum.Web3;

namespace MaaS.Chain.Transactions;

/// <summary>Sends contract calls as signed transactions with one shared, durable nonce sequence per key.</summary>
public interface ITransactionWriter
{
    /// <summary>
    /// Simulates the call (a refusal throws <see cref="ChainRevertException"/> and spends no nonce), signs it with the
    /// next nonce of <see cref="TransactionRequest.From"/>, records it and broadcasts it. Idempotent by key.
    /// </summary>
    Task<TransactionRecord> SendAsync(TransactionRequest request, CancellationToken ct = default);

    Task<TransactionRecord?> FindAsync(string idempotencyKey, CancellationToken ct = default);

    /// <summary>Checks the node for the transaction's receipt and finality and records what it finds.</summary>
    Task<TransactionRecord> RefreshAsync(TransactionRecord record, CancellationToken ct = default);

    /// <summary>Waits until the transaction is in a block (or failed), or final when <paramref name="untilFinal"/>.</summary>
    Task<TransactionRecord> WaitAsync(string idempotencyKey, bool untilFinal = false, TimeSpan? timeout = null, CancellationToken ct = default);
}

public sealed class TransactionWriter(
    TransactionLedger ledger, ISigningKeys keys, IWeb3 web3, IOptions<ChainOptions> chainOptions, IOptions<TransactionWriterOptions> options,
    TimeProvider clock, ILogger<TransactionWriter> logger) : ITransactionWriter
{
    private readonly ConcurrentDictionary<string, Task> reconciled = new(StringComparer.OrdinalIgnoreCase);
    private long ChainId => chainOptions.Value.ChainId;

    public async Task<TransactionRecord> SendAsync(TransactionRequest request, CancellationToken ct = default)
    {
        // Bindings build requests with an empty key for callers that only want the calldata; sending one would make
        // every such send "the same command".
        if (string.IsNullOrWhiteSpace(request.IdempotencyKey))
            throw new ArgumentException("A transaction needs an idempotency key naming its business command.", nameof(request));
        await ledger.EnsureCreatedAsync(ct);
        if (await ledger.FindAsync(request.IdempotencyKey, ct) is { } existing) return existing;
        var key = await keys.FindAsync(request.From, ct)
            ?? throw new InvalidOperationException($"This deployment holds no signing key for {request.From}.");

        // The simulation, the fee suggestion and (once per key) the nonce reconciliation are independent node calls: in
        // parallel they cost one round trip instead of four. A refusal of the simulation still surfaces first.
        var gasTask = request.Gas is { } fixedGas ? Task.FromResult(fixedGas) : EstimateGasAsync(request, ct);
        var feesTask = SuggestFeesAsync(ct);
        var reconcileTask = reconciled.GetOrAdd(request.From, from => ReconcileAsync(from, ct));
        try
        {
            await Task.WhenAll(gasTask, feesTask, reconcileTask);
        }
        catch
        {
            // A reconciliation that failed (node down) or was cancelled with its first caller is not kept: the next send
            // of the key tries again instead of failing on the cached task until a restart.
            if (reconcileTask.IsFaulted || reconcileTask.IsCanceled)
                reconciled.TryRemove(new KeyValuePair<string, Task>(request.From, reconcileTask));
            if (gasTask.IsFaulted) await gasTask;
            throw;
        }
        var gas = gasTask.Result;
        var (maxFee, priority) = feesTask.Result;

        var (record, created) = await ledger.ReserveAsync(ChainId, request,
            nonce => Sign(key, nonce, request.To, request.Data, request.Value, gas, maxFee, priority), clock.GetUtcNow(), ct);
        if (!created) return record;
        logger.LogInformation("Signed {Key} as {Hash} from {From} nonce {Nonce}", record.IdempotencyKey, record.Hash, record.From, record.Nonce);
        return await BroadcastAsync(record, record.RawTransaction, ct);
    }

    public async Task<TransactionRecord?> FindAsync(string idempotencyKey, CancellationToken ct = default)
    {
        await ledger.EnsureCreatedAsync(ct);
        return await ledger.FindAsync(idempotencyKey, ct);
    }

    public async Task<TransactionRecord> WaitAsync(string idempotencyKey, bool untilFinal = false, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        var deadline = clock.GetUtcNow() + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var record = await FindAsync(idempotencyKey, ct) ?? throw new InvalidOperationException($"No transaction for '{idempotencyKey}'.");
            record = await RefreshAsync(record, ct);
            if (untilFinal ? record.IsTerminal : record.IsInBlock || record.Status == TransactionStatus.Failed) return record;
            if (clock.GetUtcNow() > deadline) throw new TimeoutException($"Transaction {record.Hash} ({idempotencyKey}) is still {record.Status}.");
            await Task.Delay(options.Value.PollInterval / 2, clock, ct);
        }
    }

    public async Task<TransactionRecord> RefreshAsync(TransactionRecord record, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        switch (record.Status)
        {
            case TransactionStatus.Signed when now - record.CreatedAt >= options.Value.RebroadcastSignedAfter:
                // Signed but never accepted (a crash or a node outage between signing and broadcasting).
                return await BroadcastAsync(record, record.RawTransaction, ct);
            case TransactionStatus.Signed or TransactionStatus.Submitted:
                if (await FindReceiptAsync(record, ct) is { } receipt) return await RecordReceiptAsync(record, receipt, ct);
                if (record.Status == TransactionStatus.Submitted && now - (record.SubmittedAt ?? record.CreatedAt) > options.Value.StuckAfter)
                    return await ReplaceAsync(record, ct);
                if (record.Status == TransactionStatus.Submitted && record.Attempts > 0 && now - (record.SubmittedAt ?? record.CreatedAt) > TimeSpan.FromSeconds(5))
                    await RebroadcastQuietlyAsync(record, ct);
                return record;
            case TransactionStatus.Mined or TransactionStatus.Failed when record.BlockNumber is { } block && record.FinalAt is null:
                var canonical = await web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(new BlockParameter((ulong)block));
                if (canonical is null || !string.Equals(canonical.BlockHash, record.BlockHash, StringComparison.OrdinalIgnoreCase))
                {
                    logger.LogWarning("Transaction {Hash} left the canonical chain at block {Block}; sending it again", record.Hash, block);
                    await ledger.MarkReorgedOutAsync(record.Id, now, ct);
                    var pending = await ledger.FindAsync(record.IdempotencyKey, ct) ?? record;
                    await RebroadcastQuietlyAsync(pending, ct);
                    return pending;
                }
                var head = (long)(await web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value;
                if (head - block >= chainOptions.Value.Confirmations)
                {
                    await ledger.MarkFinalAsync(record.Id, now, ct);
                    return await ledger.FindAsync(record.IdempotencyKey, ct) ?? record;
                }
                return record;
            default:
                return record;
        }
    }

    private async Task<long> EstimateGasAsync(TransactionRequest request, CancellationToken ct)
    {
        var call = new CallInput(request.Data, request.To, new HexBigInteger(request.Value)) { From = request.From };
        try
        {
            var estimate = (long)(await web3.Eth.Transactions.EstimateGas.SendRequestAsync(call)).Value;
            return estimate + estimate * options.Value.GasHeadroomPercent / 100;
        }
        catch (Exception ex) when (RevertDecoder.RevertDataOf(ex) is { } data)
        {
            var revert = RevertDecoder.Decode(data);
            if (!request.SkipSimulation) throw revert;
            logger.LogInformation("Sending {Key} although the simulation reverts with {Error}", request.IdempotencyKey, revert.Description);
            return 1_000_000;
        }
    }

    private async Task<(BigInteger MaxFee, BigInteger Priority)> SuggestFeesAsync(CancellationToken ct)
    {
        var latestTask = web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(BlockParameter.CreateLatest());
        var gasPriceTask = web3.Eth.GasPrice.SendRequestAsync();
        var latest = await latestTask;
        var baseFee = latest?.BaseFeePerGas?.Value ?? BigInteger.Zero;
        BigInteger priority;
        try
        {
            priority = (await gasPriceTask).Value - baseFee;
            if (priority <= 0) priority = options.Value.DefaultPriorityFeeWei;
        }
        catch (RpcResponseException)
        {
            priority = options.Value.DefaultPriorityFeeWei;
        }
        // Twice the base fee leaves room for six full blocks of base-fee growth before the transaction is underpriced.
        return (baseFee * 2 + priority, priority);
    }

    private async Task ReconcileAsync(string from, CancellationToken ct)
    {
        var count = (long)(await web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(from, BlockParameter.CreatePending())).Value;
        await ledger.ReconcileNonceAsync(ChainId, from, count, ct);
    }

    private (string Raw, string Hash, long Gas, BigInteger MaxFee, BigInteger Priority) Sign(
        EthECKey key, long nonce, string to, string data, BigInteger value, long gas, BigInteger maxFee, BigInteger priority)
    {
        var (raw, hash) = Eip1559Signer.Sign(key, new Transaction1559(ChainId, nonce, priority, maxFee, gas, to, value, data, null));
        return (raw, hash, gas, maxFee, priority);
    }

    private async Task<TransactionRecord> BroadcastAsync(TransactionRecord record, string raw, CancellationToken ct)
    {
        // Submitted is when the node was handed the transaction: what the node then does (an instant-mining node mines it
        // before answering) is the chain's time, not this service's.
        var handedAt = clock.GetUtcNow();
        try
        {
            await web3.Eth.Transactions.SendRawTransaction.SendRequestAsync(raw);
        }
        catch (RpcResponseException ex) when (IsAlreadyKnown(ex.Message))
        {
            // A retry of a broadcast the node already has: nothing to do.
        }
        catch (RpcResponseException ex) when (ex.Message.Contains("nonce too low", StringComparison.OrdinalIgnoreCase))
        {
            // The nonce was spent outside this ledger (or by this very transaction, already mined): look for a receipt first.
            if (await FindReceiptAsync(record, ct) is { } receipt) return await RecordReceiptAsync(record, receipt, ct);
            logger.LogError("Nonce {Nonce} of {From} was used by another transaction; {Key} is refused", record.Nonce, record.From, record.IdempotencyKey);
            await ledger.MarkRefusedAsync(record.Id, $"nonce {record.Nonce} already used: {ex.Message}", clock.GetUtcNow(), ct);
            reconciled.TryRemove(record.From, out _);
            return await ledger.FindAsync(record.IdempotencyKey, ct) ?? record;
        }
        catch (Exception ex) when (ex is RpcResponseException or RpcClientUnknownException or HttpRequestException or RpcClientTimeoutException)
        {
            // Signed and stored: the monitor broadcasts it again, so the nonce is never left as a gap.
            logger.LogWarning(ex, "Broadcast of {Hash} failed; it stays signed and will be sent again", record.Hash);
            return record;
        }
        if (await ledger.MarkSubmittedAsync(record.Id, handedAt, ct) && record.Status == TransactionStatus.Signed)
            return record with { Status = TransactionStatus.Submitted, SubmittedAt = record.SubmittedAt ?? handedAt };
        return await ledger.FindAsync(record.IdempotencyKey, ct) ?? record;
    }

    private async Task RebroadcastQuietlyAsync(TransactionRecord record, CancellationToken ct)
    {
        try
        {
            await web3.Eth.Transactions.SendRawTransaction.SendRequestAsync(record.RawTransaction);
        }
        catch (Exception ex) when (ex is RpcResponseException or RpcClientUnknownException or HttpRequestException)
        {
            // Usually "already known"; a real problem shows as a stuck transaction and is replaced with a higher fee.
        }
        _ = ct;
    }

    /// <summary>Same nonce, higher fee: the node replaces the stuck transaction with this one.</summary>
    private async Task<TransactionRecord> ReplaceAsync(TransactionRecord record, CancellationToken ct)
    {
        if (await keys.FindAsync(record.From, ct) is not { } key) return record;
        var bump = 100 + Math.Max(options.Value.FeeBumpPercent, 10);
        var (suggestedMax, suggestedPriority) = await SuggestFeesAsync(ct);
        var priority = BigInteger.Max(record.MaxPriorityFeePerGas * bump / 100 + 1, suggestedPriority);
        var maxFee = BigInteger.Max(record.MaxFeePerGas * bump / 100 + 1, suggestedMax + priority);
        var (raw, hash, _, _, _) = Sign(key, record.Nonce, record.To, record.Data, record.Value, record.GasLimit, maxFee, priority);
        if (!await ledger.MarkReplacedAsync(record.Id, record.Attempts, raw, hash, maxFee, priority, clock.GetUtcNow(), ct))
            return await ledger.FindAsync(record.IdempotencyKey, ct) ?? record;
        logger.LogWarning("Transaction {Old} of {Key} was stuck; re-sent as {New} with max fee {MaxFee}", record.Hash, record.IdempotencyKey, hash, maxFee);
        var replaced = await ledger.FindAsync(record.IdempotencyKey, ct) ?? record;
        try
        {
            await web3.Eth.Transactions.SendRawTransaction.SendRequestAsync(raw);
        }
        catch (Exception ex) when (ex is RpcResponseException or RpcClientUnknownException or HttpRequestException)
        {
            logger.LogWarning(ex, "Re-send of {Hash} failed; will try again", hash);
        }
        return replaced;
    }

    private async Task<TransactionReceipt?> FindReceiptAsync(TransactionRecord record, CancellationToken ct)
    {
        // The newest attempt is the likeliest to be mined, but any of them may be.
        foreach (var hash in record.Hashes.Reverse())
        {
            ct.ThrowIfCancellationRequested();
            if (await web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash) is { } receipt) return receipt;
        }
        return null;
    }

    private async Task<TransactionRecord> RecordReceiptAsync(TransactionRecord record, TransactionReceipt receipt, CancellationToken ct)
    {
        var succeeded = receipt.Status?.Value == BigInteger.One;
        string? error = null;
        if (!succeeded) error = (await ReplayRevertAsync(record, (long)receipt.BlockNumber.Value, ct)).Description;
        var status = succeeded ? TransactionStatus.Mined : TransactionStatus.Failed;
        await ledger.MarkInBlockAsync(record.Id, status, receipt.TransactionHash.ToLowerInvariant(), (long)receipt.BlockNumber.Value, receipt.BlockHash,
            (long)receipt.GasUsed.Value, error, clock.GetUtcNow(), ct);
        var updated = await ledger.FindAsync(record.IdempotencyKey, ct) ?? record;
        return updated.Status is TransactionStatus.Mined or TransactionStatus.Failed ? await RefreshAsync(updated, ct) : updated;
    }

    /// <summary>A mined transaction that reverted carries no reason: replay it as a call on the state before its block.</summary>
    private async Task<ChainRevertException> ReplayRevertAsync(TransactionRecord record, long block, CancellationToken ct)
    {
        var call = new CallInput(record.Data, record.To, new HexBigInteger(record.Value)) { From = record.From, Gas = new HexBigInteger(record.GasLimit) };
        try
        {
            await web3.Eth.Transactions.Call.SendRequestAsync(call, new BlockParameter((ulong)Math.Max(0, block - 1)));
            return new ChainRevertException("OutOfGasOrStateChanged", new Dictionary<string, string>(), "0x", record.Hash);
        }
        catch (Exception ex) when (RevertDecoder.RevertDataOf(ex) is { } data)
        {
            _ = ct;
            return RevertDecoder.Decode(data, record.Hash);
        }
    }

    private static bool IsAlreadyKnown(string message) =>
        message.Contains("already known", StringComparison.OrdinalIgnoreCase) || message.Contains("known transaction", StringComparison.OrdinalIgnoreCase)
        || message.Contains("already imported", StringComparison.OrdinalIgnoreCase);
}
