using MaaS.Chain.Contracts.Generated.Maintenance;
using MaaS.Chain.Deployment;
using MaaS.Chain.Transactions;
using Nethereum.ABI;
using Nethereum.Web3;

namespace MaaS.Chain.Contracts;

public sealed class MaintenanceMarketContract(string address, IWeb3 web3) : ContractBinding(address, web3), IMaintenanceMarket
{
    /// <summary>The Maintenance contract of <paramref name="deployment"/>.</summary>
    public MaintenanceMarketContract(ChainDeployment deployment, IWeb3 web3)
        : this((deployment ?? throw new ArgumentNullException(nameof(deployment)))["Maintenance"].Address, web3)
    {
    }

    public TransactionRequest OpenAuction(string idempotencyKey, string from, byte[] machineId, TicketKind kind, byte[] descriptionCid, AuctionParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return Request(idempotencyKey, from, new OpenAuctionFunction
        {
            MachineId = Id(machineId, nameof(machineId)),
            Kind = (byte)kind,
            DescriptionCid = Id(descriptionCid, nameof(descriptionCid)),
            P = new AuctionParams
            {
                Mode = (byte)parameters.Mode,
                Rule = (byte)parameters.Rule,
                PriceWeight = parameters.PriceWeight,
                EtaWeight = parameters.EtaWeight,
                MaxBids = parameters.MaxBids,
                BiddingBlocks = parameters.BiddingBlocks,
                RevealBlocks = parameters.RevealBlocks,
            },
        });
    }

    public TransactionRequest PlaceBid(string idempotencyKey, string from, byte[] machineId, uint seq, ulong price, uint eta) =>
        Request(idempotencyKey, from, new PlaceBidFunction { MachineId = Id(machineId, nameof(machineId)), Seq = seq, Price = price, Eta = eta });

    public TransactionRequest CommitBid(string idempotencyKey, string from, byte[] machineId, uint seq, byte[] commitment) =>
        Request(idempotencyKey, from, new CommitBidFunction { MachineId = Id(machineId, nameof(machineId)), Seq = seq, Commitment = Id(commitment, nameof(commitment)) });

    public TransactionRequest RevealBid(string idempotencyKey, string from, byte[] machineId, uint seq, ulong price, uint eta, byte[] salt) =>
        Request(idempotencyKey, from, new RevealBidFunction { MachineId = Id(machineId, nameof(machineId)), Seq = seq, Price = price, Eta = eta, Salt = Id(salt, nameof(salt)) });

    public TransactionRequest Award(string idempotencyKey, string from, byte[] machineId, uint seq) =>
        Request(idempotencyKey, from, new AwardFunction { MachineId = Id(machineId, nameof(machineId)), Seq = seq });

    public async Task<AuctionOnChain?> AuctionAsync(byte[] machineId, CancellationToken ct = default)
    {
        var a = await CallAsync<AuctionFunction, AuctionOutputDTO>(new AuctionFunction { MachineId = Id(machineId, nameof(machineId)) }, ct);
        return a.Status == (byte)AuctionStatus.None
            ? null
            : new AuctionOnChain(a.Seq, (SelectionMode)a.Mode, (RankingRule)a.Rule, (AuctionStatus)a.Status, a.PriceWeight, a.EtaWeight, a.MaxBids, a.BidCount,
                a.Deadline, a.RevealDeadline);
    }

    public async Task<BidOnChain?> BestBidAsync(byte[] machineId, CancellationToken ct = default)
    {
        var b = await CallAsync<BestBidFunction, BestBidOutputDTO>(new BestBidFunction { MachineId = Id(machineId, nameof(machineId)) }, ct);
        return IsZeroAddress(b.Bidder) ? null : new BidOnChain(Normalize(b.Bidder), b.Price, b.Eta, b.TieBreak);
    }

    public async Task<byte[]?> CommitmentOfAsync(byte[] machineId, uint seq, string bidder, CancellationToken ct = default)
    {
        var c = await QueryAsync<CommitmentOfFunction, byte[]>(new CommitmentOfFunction
        {
            MachineId = Id(machineId, nameof(machineId)),
            Seq = seq,
            Bidder = RequireAddress(bidder, nameof(bidder)),
        }, ct);
        return Bytes32.IsZero(c) ? null : c;
    }

    public Task<bool> HasBidAsync(byte[] machineId, uint seq, string bidder, CancellationToken ct = default) =>
        QueryAsync<HasBidFunction, bool>(new HasBidFunction { MachineId = Id(machineId, nameof(machineId)), Seq = seq, Bidder = RequireAddress(bidder, nameof(bidder)) }, ct);

    public byte[] BidCommitment(byte[] machineId, uint seq, ulong price, uint eta, byte[] salt, string bidder) =>
        new ABIEncode().GetSha3ABIEncoded(
            new ABIValue("bytes32", Id(machineId, nameof(machineId))),
            new ABIValue("uint32", seq),
            new ABIValue("uint64", price),
            new ABIValue("uint32", eta),
            new ABIValue("bytes32", Id(salt, nameof(salt))),
            new ABIValue("address", RequireAddress(bidder, nameof(bidder))));

    public byte[] BidKey(byte[] machineId, uint seq, string bidder) =>
        new ABIEncode().GetSha3ABIEncoded(
            new ABIValue("bytes32", Id(machineId, nameof(machineId))),
            new ABIValue("uint32", seq),
            new ABIValue("address", RequireAddress(bidder, nameof(bidder))));
}
