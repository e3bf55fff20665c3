using MaaS.Chain.Transactions;

namespace MaaS.Chain.Contracts;

/// <summary>
/// The TelemetryAnchor contract: Merkle roots of telemetry rounds, committed by accounts the operator granted.
/// Write methods build the transaction for <see cref="ITransactionWriter"/>.
/// </summary>
public interface ITelemetryAnchor
{
    string Address { get; }

    /// <summary>An anchorer commits a round: the root over its batch leaves and the CID digest of the round manifest.</summary>
    TransactionRequest CommitRound(string idempotencyKey, string from, byte[] merkleRoot, uint batchCount, byte[] manifestCid);

    /// <summary>The consortium operator lets <paramref name="account"/> commit rounds.</summary>
    TransactionRequest GrantAnchorer(string idempotencyKey, string from, string account);

    TransactionRequest RevokeAnchorer(string idempotencyKey, string from, string account);

    /// <summary>A committed round; null if there is no round with this id.</summary>
    Task<RoundOnChain?> RoundAsync(ulong roundId, CancellationToken ct = default);

    /// <summary>Rounds committed so far (the latest round id).</summary>
    Task<ulong> RoundCountAsync(CancellationToken ct = default);

    Task<bool> IsAnchorerAsync(string account, CancellationToken ct = default);
}

public sealed record RoundOnChain(ulong RoundId, byte[] Root, uint BatchCount, byte[] ManifestCid, long BlockNumber, string Anchorer);
