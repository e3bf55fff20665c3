using System.Numerics;
using MaaS.Chain.Contracts.Generated.Invoicing;
using MaaS.Chain.Deployment;
using MaaS.Chain.Transactions;
using Nethereum.ABI;
using Nethereum.Web3;

namespace MaaS.Chain.Contracts;

public sealed class InvoicingContract(string address, IWeb3 web3) : ContractBinding(address, web3), IInvoicingContract
{
    private static readonly BigInteger MaxTotal = BigInteger.Pow(2, 128) - 1;

    /// <summary>The Invoicing contract of <paramref name="deployment"/>.</summary>
    public InvoicingContract(ChainDeployment deployment, IWeb3 web3)
        : this((deployment ?? throw new ArgumentNullException(nameof(deployment)))["Invoicing"].Address, web3)
    {
    }

    public TransactionRequest SetTerms(string idempotencyKey, string from, byte[] machineId, byte[] termsHash, uint billingPeriodSeconds) =>
        Request(idempotencyKey, from, new SetTermsFunction { MachineId = Id(machineId, nameof(machineId)), TermsHash = Id(termsHash, nameof(termsHash)), BillingPeriod = billingPeriodSeconds });

    public TransactionRequest AcceptTerms(string idempotencyKey, string from, byte[] machineId, uint version) =>
        Request(idempotencyKey, from, new AcceptTermsFunction { MachineId = Id(machineId, nameof(machineId)), Version = version });

    public TransactionRequest IssueInvoice(string idempotencyKey, string from, byte[] machineId, uint period, BigInteger total, byte[] invoiceHash, byte[] inputsRoot, uint termsVersion) =>
        Request(idempotencyKey, from, new IssueInvoiceFunction
        {
            MachineId = Id(machineId, nameof(machineId)),
            Period = period,
            Total = Total(total),
            InvoiceHash = Id(invoiceHash, nameof(invoiceHash)),
            InputsRoot = Id(inputsRoot, nameof(inputsRoot)),
            TermsVersion = termsVersion,
        });

    public TransactionRequest AcceptInvoice(string idempotencyKey, string from, byte[] machineId, uint period, ushort revision) =>
        Request(idempotencyKey, from, new AcceptInvoiceFunction { MachineId = Id(machineId, nameof(machineId)), Period = period, Revision = revision });

    public TransactionRequest DisputeInvoice(string idempotencyKey, string from, byte[] machineId, uint period, ushort revision, byte[] evidenceCid) =>
        Request(idempotencyKey, from, new DisputeInvoiceFunction
        {
            MachineId = Id(machineId, nameof(machineId)),
            Period = period,
            Revision = revision,
            EvidenceCid = Id(evidenceCid, nameof(evidenceCid)),
        });

    public TransactionRequest SettleInvoice(string idempotencyKey, string from, byte[] machineId, uint period, ushort revision) =>
        Request(idempotencyKey, from, new SettleInvoiceFunction { MachineId = Id(machineId, nameof(machineId)), Period = period, Revision = revision });

    public Task<bool> TermsAcceptedAsync(byte[] machineId, CancellationToken ct = default) =>
        QueryAsync<TermsAcceptedFunction, bool>(new TermsAcceptedFunction { MachineId = Id(machineId, nameof(machineId)) }, ct);

    public async Task<TermsOnChain?> CurrentTermsAsync(byte[] machineId, CancellationToken ct = default)
    {
        var t = await CallAsync<CurrentTermsFunction, CurrentTermsOutputDTO>(new CurrentTermsFunction { MachineId = Id(machineId, nameof(machineId)) }, ct);
        return t.LatestVersion == 0
            ? null
            : new TermsOnChain(t.LatestVersion, t.ActiveVersion, t.ActiveTermsHash, t.PreviousVersion, t.ActiveFromPeriod, t.BillingPeriod,
                t.Epoch == 0 ? null : DateTimeOffset.FromUnixTimeSeconds((long)t.Epoch));
    }

    public async Task<byte[]?> TermsHashOfAsync(byte[] machineId, uint version, CancellationToken ct = default)
    {
        var hash = await QueryAsync<TermsHashOfFunction, byte[]>(new TermsHashOfFunction { MachineId = Id(machineId, nameof(machineId)), Version = version }, ct);
        return Bytes32.IsZero(hash) ? null : hash;
    }

    public async Task<TermsApplicabilityOnChain?> TermsApplicabilityAsync(byte[] machineId, uint version, CancellationToken ct = default)
    {
        var r = await CallAsync<TermsApplicabilityFunction, TermsApplicabilityOutputDTO>(
            new TermsApplicabilityFunction { MachineId = Id(machineId, nameof(machineId)), Version = version }, ct);
        // The contract: (0, 0) = never applied; untilPeriod = type(uint32).max = still the active version.
        if (r.UntilPeriod <= r.FromPeriod) return null;
        return new TermsApplicabilityOnChain(r.FromPeriod, r.UntilPeriod == uint.MaxValue ? null : r.UntilPeriod);
    }

    public async Task<InvoiceOnChain?> InvoiceAsync(byte[] machineId, uint period, CancellationToken ct = default)
    {
        var i = await CallAsync<InvoiceFunction, InvoiceOutputDTO>(new InvoiceFunction { MachineId = Id(machineId, nameof(machineId)), Period = period }, ct);
        return i.Status == (byte)InvoiceStatus.None ? null : new InvoiceOnChain(i.Revision, (InvoiceStatus)i.Status, i.Commitment);
    }

    public byte[] InvoiceCommitment(byte[] machineId, uint period, ushort revision, uint termsVersion, BigInteger total, byte[] invoiceHash, byte[] inputsRoot) =>
        new ABIEncode().GetSha3ABIEncoded(
            new ABIValue("bytes32", Id(machineId, nameof(machineId))),
            new ABIValue("uint32", period),
            new ABIValue("uint16", revision),
            new ABIValue("uint32", termsVersion),
            new ABIValue("uint128", Total(total)),
            new ABIValue("bytes32", Id(invoiceHash, nameof(invoiceHash))),
            new ABIValue("bytes32", Id(inputsRoot, nameof(inputsRoot))));

    public byte[] InvoiceId(byte[] machineId, uint period, ushort revision) =>
        new ABIEncode().GetSha3ABIEncoded(
            new ABIValue("bytes32", Id(machineId, nameof(machineId))),
            new ABIValue("uint32", period),
            new ABIValue("uint16", revision));

    private static BigInteger Total(BigInteger total) =>
        total.Sign >= 0 && total <= MaxTotal ? total : throw new ArgumentOutOfRangeException(nameof(total), total, "an invoice total is a uint128");
}
