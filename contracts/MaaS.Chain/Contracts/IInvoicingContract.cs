using System.Numerics;
using MaaS.Chain.Transactions;

namespace MaaS.Chain.Contracts;

/// <summary>
/// The Invoicing contract: versioned pricing/SLA terms per machine and one invoice commitment per billing period.
/// No ether moves: payment is off-chain and <see cref="SettleInvoice"/> records it. Write methods build the
/// transaction for <see cref="ITransactionWriter"/>.
/// </summary>
public interface IInvoicingContract
{
    string Address { get; }

    /// <summary>The machine's OEM proposes a terms version (hash of the versioned pricing/SLA document).</summary>
    TransactionRequest SetTerms(string idempotencyKey, string from, byte[] machineId, byte[] termsHash, uint billingPeriodSeconds);

    /// <summary>The customer accepts a later terms version; it applies from the next period.</summary>
    TransactionRequest AcceptTerms(string idempotencyKey, string from, byte[] machineId, uint version);

    /// <summary>The OEM issues the invoice of an ended period (or a corrected revision of a disputed one).</summary>
    TransactionRequest IssueInvoice(string idempotencyKey, string from, byte[] machineId, uint period, BigInteger total, byte[] invoiceHash, byte[] inputsRoot);

    TransactionRequest AcceptInvoice(string idempotencyKey, string from, byte[] machineId, uint period, ushort revision);

    TransactionRequest DisputeInvoice(string idempotencyKey, string from, byte[] machineId, uint period, ushort revision, byte[] evidenceCid);

    TransactionRequest SettleInvoice(string idempotencyKey, string from, byte[] machineId, uint period, ushort revision);

    Task<bool> TermsAcceptedAsync(byte[] machineId, CancellationToken ct = default);

    /// <summary>The machine's terms versions; null if none was ever proposed.</summary>
    Task<TermsOnChain?> CurrentTermsAsync(byte[] machineId, CancellationToken ct = default);

    /// <summary>The hash of a terms version; null if there is no such version.</summary>
    Task<byte[]?> TermsHashOfAsync(byte[] machineId, uint version, CancellationToken ct = default);

    Task<uint> TermsVersionForAsync(byte[] machineId, uint period, CancellationToken ct = default);

    /// <summary>The latest revision of a period's invoice; null if none was issued.</summary>
    Task<InvoiceOnChain?> InvoiceAsync(byte[] machineId, uint period, CancellationToken ct = default);

    /// <summary><c>keccak256(abi.encode(machineId, period, revision, termsVersion, total, invoiceHash, inputsRoot))</c>, computed locally; storage keeps its first 28 bytes.</summary>
    byte[] InvoiceCommitment(byte[] machineId, uint period, ushort revision, uint termsVersion, BigInteger total, byte[] invoiceHash, byte[] inputsRoot);

    /// <summary><c>keccak256(abi.encode(machineId, period, revision))</c>: one id per invoice revision, for indexing.</summary>
    byte[] InvoiceId(byte[] machineId, uint period, ushort revision);
}

/// <summary>A machine's terms: the active version applies from <see cref="ActiveFromPeriod"/>; periods count from <see cref="Epoch"/>.</summary>
public sealed record TermsOnChain(
    uint LatestVersion,
    uint ActiveVersion,
    byte[] ActiveTermsHash,
    uint PreviousVersion,
    uint ActiveFromPeriod,
    uint BillingPeriodSeconds,
    DateTimeOffset? Epoch);

/// <summary>The stored invoice of a period: <see cref="Commitment"/> is the first 28 bytes of <see cref="IInvoicingContract.InvoiceCommitment"/>.</summary>
public sealed record InvoiceOnChain(ushort Revision, InvoiceStatus Status, byte[] Commitment);
