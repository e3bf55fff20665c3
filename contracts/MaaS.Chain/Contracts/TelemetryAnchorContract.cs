using MaaS.Chain.Contracts.Generated.TelemetryAnchor;
using MaaS.Chain.Deployment;
using MaaS.Chain.Transactions;
using Nethereum.Web3;

namespace MaaS.Chain.Contracts;

public sealed class TelemetryAnchorContract(string address, IWeb3 web3) : ContractBinding(address, web3), ITelemetryAnchor
{
    /// <summary>The TelemetryAnchor contract of <paramref name="deployment"/>.</summary>
    public TelemetryAnchorContract(ChainDeployment deployment, IWeb3 web3)
        : this((deployment ?? throw new ArgumentNullException(nameof(deployment)))["TelemetryAnchor"].Address, web3)
    {
    }

    public TransactionRequest CommitRound(string idempotencyKey, string from, byte[] merkleRoot, uint batchCount, byte[] manifestCid) =>
        Request(idempotencyKey, from, new CommitRoundFunction { MerkleRoot = Id(merkleRoot, nameof(merkleRoot)), BatchCount = batchCount, ManifestCid = Id(manifestCid, nameof(manifestCid)) });

    public TransactionRequest GrantAnchorer(string idempotencyKey, string from, string account) =>
        Request(idempotencyKey, from, new GrantAnchorerFunction { Account = RequireAddress(account, nameof(account)) });

    public TransactionRequest RevokeAnchorer(string idempotencyKey, string from, string account) =>
        Request(idempotencyKey, from, new RevokeAnchorerFunction { Account = RequireAddress(account, nameof(account)) });

    public async Task<RoundOnChain?> RoundAsync(ulong roundId, CancellationToken ct = default)
    {
        try
        {
            var r = await CallAsync<RoundFunction, RoundOutputDTO>(new RoundFunction { RoundId = roundId }, ct);
            return new RoundOnChain(roundId, r.Root, r.BatchCount, r.ManifestCid, (long)r.BlockNumber, Normalize(r.Anchorer));
        }
        catch (ChainRevertException ex) when (ex.ErrorName == "RoundNotFound")
        {
            return null;
        }
    }

    public Task<ulong> RoundCountAsync(CancellationToken ct = default) => QueryAsync<RoundCountFunction, ulong>(new RoundCountFunction(), ct);

    public Task<bool> IsAnchorerAsync(string account, CancellationToken ct = default) =>
        QueryAsync<IsAnchorerFunction, bool>(new IsAnchorerFunction { Arg1 = RequireAddress(account, nameof(account)) }, ct);
}
