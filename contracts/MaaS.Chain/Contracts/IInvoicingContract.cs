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

    /// <summary>The customer accepts a later terms version; it applies from the next period (the superseded version keeps its range, see <see cref="TermsApplicabilityAsync"/>).</summary>
    TransactionRequest AcceptTerms(string idempotencyKey, string from, byte[] machineId, uint version);

    /// <summary>
    /// The OEM issues the invoice of an ended period (or a corrected revision of a disputed one), computed under terms version
    /// <paramref name="termsVersion"/>, which must apply to <paramref name="period"/> (<see cref="TermsApplicabilityAsync"/>), else the
    /// contract refuses with <c>TermsNotApplicable(version, period)</c>. The version is part of the stored commitment
    /// (<see cref="InvoiceCommitment"/>). Arguments in the contract's order (<c>termsVersion</c> last).
    /// </summary>
    TransactionRequest IssueInvoice(string idempotencyKey, string from, byte[] machineId, uint period, BigInteger total, byte[] invoiceHash, byte[] inputsRoot, uint termsVersion);

    TransactionRequest AcceptInvoice(string idempotencyKey, string from, byte[] machineId, uint period, ushort revision);

    TransactionRequest DisputeInvoice(string idempotencyKey, string from, byte[] machineId, uint period, ushort revision, byte[] evidenceCid);

    TransactionRequest SettleInvoice(string idempotencyKey, string from, byte[] machineId, uint period, ushort revision);

    Task<bool> TermsAcceptedAsync(byte[] machineId, CancellationToken ct = default);

    /// <summary>The machine's terms versions; null if none was ever proposed.</summary>
    Task<TermsOnChain?> CurrentTermsAsync(byte[] machineId, CancellationToken ct = default);

    /// <summary>The hash of a terms version; null if there is no such version.</summary>
    Task<byte[]?> TermsHashOfAsync(byte[] machineId, uint version, CancellationToken ct = default);

    /// <summary>The billing periods terms version <paramref name="version"/> applies to; null if it never applied (only proposed, superseded before acceptance, or unknown).</summary>
    Task<TermsApplicabilityOnChain?> TermsApplicabilityAsync(byte[] machineId, uint version, CancellationToken ct = default);

    /// <summary>The latest revision of a period's invoice; null if none was issued.</summary>
    Task<InvoiceOnChain?> InvoiceAsync(byte[] machineId, uint period, CancellationToken ct = default);

    /// <summary><c>keccak256(abi.encode(machineId, period, revision, termsVersion, total, invoiceHash, inputsRoot))</c>, computed locally; storage keeps its first 28 bytes.</summary>
    byte[] InvoiceCommitment(byte[] machineId, uint period, ushort revision, uint termsVersion, BigInteger total, byte[] invoiceHash, byte[] inputsRoot);

    /// <summary><c>keccak256(abi.encode(machineId, period, revision))</c>: one id per invoice revision, for indexing.</summary>
    byte[] InvoiceId(byte[] machineId, uint period, ushort revision);
}

/// <summary>
/// A machine's terms: the active version applies from <see cref="ActiveFromPeriod"/>; periods count from <see cref="Epoch"/>.
/// <see cref="PreviousVersion"/> is the version applying right before <see cref="ActiveFromPeriod"/> (0 = none); which version
/// applied to an older period: <see cref="IInvoicingContract.TermsApplicabilityAsync"/>.
/// </summary>
public sealed record TermsOnChain(
    uint LatestVersion,
    uint ActiveVersion,
    byte[] ActiveTermsHash,
    uint PreviousVersion,
    uint ActiveFromPeriod,
    uint BillingPeriodSeconds,
    DateTimeOffset? Epoch);

/// <summary>
/// The billing periods a terms version applies to: [<see cref="FromPeriod"/>, <see cref="UntilPeriod"/>); <see cref="UntilPeriod"/> is
/// null while the version is the active one (open-ended), else the first period of the version that superseded it.
/// </summary>
public sealed record TermsApplicabilityOnChain(uint FromPeriod, uint? UntilPeriod)
{
    /// <summary>True when the version applies to <paramref name="period"/> (what <c>issueInvoice</c> checks).</summary>
    public bool AppliesTo(uint period) => period >= FromPeriod && (UntilPeriod is not { } until || period < until);
}

/// <summary>The stored invoice of a period: <see cref="Commitment"/> is the first 28 bytes of <see cref="IInvoicingContract.InvoiceCommitment"/>.</summary>
public sealed record InvoiceOnChain(ushort Revision, InvoiceStatus Status, byte[] Commitment);
