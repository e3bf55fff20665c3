using System.Numerics;

namespace MaaS.Chain.Transactions;

/// <summary>
/// A contract call to send. <see cref="IdempotencyKey"/> names the business command (e.g.
/// <c>machines/register/0x…</c>): sending the same key again returns the first transaction instead of a second one.
/// </summary>
public sealed record TransactionRequest(string IdempotencyKey, string From, string To, string Data)
{
    public BigInteger Value { get; init; }

    /// <summary>Gas limit; estimated (and the call simulated, so a refusal surfaces before a nonce is used) when null.</summary>
    public long? Gas { get; init; }

    /// <summary>Send even if the simulation reverts (tests use it to prove the contract refuses on its own).</summary>
    public bool SkipSimulation { get; init; }
}

public enum TransactionStatus
{
    /// <summary>Signed with its nonce and stored; not yet accepted by the node.</summary>
    Signed,

    /// <summary>Accepted by the node, waiting to be mined.</summary>
    Submitted,

    /// <summary>In a block, succeeded, fewer than the configured confirmations on top.</summary>
    Mined,

    /// <summary>Succeeded with the configured confirmations on top.</summary>
    Final,

    /// <summary>Mined and reverted (the nonce is spent), or refused by the node for good.</summary>
    Failed,
}

/// <summary>What the ledger knows about one transaction.</summary>
public sealed record TransactionRecord(
    Guid Id,
    string IdempotencyKey,
    long ChainId,
    string From,
    long Nonce,
    string To,
    string Data,
    BigInteger Value,
    long GasLimit,
    BigInteger MaxFeePerGas,
    BigInteger MaxPriorityFeePerGas,
    string RawTransaction,
    string Hash,
    IReadOnlyList<string> Hashes,
    TransactionStatus Status,
    int Attempts,
    long? BlockNumber,
    string? BlockHash,
    long? GasUsed,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset? SubmittedAt,
    DateTimeOffset? MinedAt,
    DateTimeOffset? FinalAt)
{
    public bool IsTerminal => Status is TransactionStatus.Final or TransactionStatus.Failed;

    public bool IsInBlock => Status is TransactionStatus.Mined or TransactionStatus.Final || (Status == TransactionStatus.Failed && BlockNumber is not null);
}

public sealed class TransactionWriterOptions
{
    public const string Section = "Chain:Transactions";

    /// <summary>PostgreSQL schema of the shared transaction ledger (nonces and transactions of every signing key of this deployment).</summary>
    public string Schema { get; set; } = "chain";

    /// <summary>How often the monitor looks at unfinished transactions.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>A submitted transaction not mined after this long is re-sent with a higher fee.</summary>
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A transaction signed but not accepted by the node (crash, node outage) is broadcast again after this long.</summary>
    public TimeSpan RebroadcastSignedAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Fee increase per re-send, in percent (nodes require at least 10 to replace a pending transaction).</summary>
    public int FeeBumpPercent { get; set; } = 25;

    /// <summary>Headroom on the estimated gas, in percent.</summary>
    public int GasHeadroomPercent { get; set; } = 20;

    /// <summary>Priority fee (tip) in wei when the node does not suggest one.</summary>
    public long DefaultPriorityFeeWei { get; set; } = 1_000_000_000;
}
