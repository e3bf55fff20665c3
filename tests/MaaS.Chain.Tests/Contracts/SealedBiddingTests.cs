using Nethereum.Hex.HexConvertors.Extensions;
using Shouldly;

namespace MaaS.Chain.Tests.Contracts;

/// <summary>Maintenance sealed (commit–reveal) bidding: commitments hide bids, phases are enforced, the best revealed bid wins.</summary>
[Trait("Category", "Integration")]
public sealed class SealedBiddingTests(ChainWorld world) : IClassFixture<ChainWorld>
{
    private const int Sealed = 2;

    private ChainContract Maintenance => world.Maintenance;

    private sealed record SealedBid(ChainActor Who, ulong Price, uint Eta, byte[] Salt);

    private static object[] Params(int rule, long commitBlocks, long revealBlocks) =>
        ChainWorld.AuctionParams(Sealed, rule, rule == 2 ? 1 : 0, rule == 2 ? 1 : 0, 0, commitBlocks, revealBlocks);

    private async Task<(byte[] Id, uint Seq, long CommitDeadline, long RevealDeadline)> OpenAsync(int rule = 0, long commitBlocks = 20, long revealBlocks = 20)
    {
        var id = await world.RunningAsync();
        var seq = await world.OpenAuctionAsync(id, Params(rule, commitBlocks, revealBlocks));
        var auction = await Maintenance.ViewAsync("auction", id);
        return (id, seq, auction.Long("deadline"), auction.Long("revealDeadline"));
    }

    private async Task<byte[]> CommitAsync(byte[] id, uint seq, SealedBid bid)
    {
        var commitment = await world.CommitmentAsync(id, seq, bid.Price, bid.Eta, bid.Salt, bid.Who);
        (await Maintenance.SendAsync(bid.Who, "commitBid", id, seq, commitment)).Event(Maintenance, "BidCommitted").Hex("commitment").ShouldBe(Ids.Hex(commitment));
        return commitment;
    }

    private Task<Tx> RevealAsync(byte[] id, uint seq, SealedBid bid) => Maintenance.SendAsync(bid.Who, "revealBid", id, seq, bid.Price, bid.Eta, bid.Salt);

    [Theory]
    [InlineData(0, "maintainerA")]
    [InlineData(1, "maintainerB")]
    [InlineData(2, "maintainerC")]
    public async Task Award_AfterTheRevealPhase_GoesToTheBestRevealedBidByTheRecordedRule(int rule, string expectedWinner)
    {
        var (id, seq, commitDeadline, revealDeadline) = await OpenAsync(rule);
        SealedBid[] bids =
        [
            new(world.MaintainerA, 500, 10_000, Ids.Digest("salt")),
            new(world.MaintainerB, 2_000, 100, Ids.Digest("salt")),
            new(world.MaintainerC, 800, 800, Ids.Digest("salt")),
        ];
        foreach (var bid in bids) await CommitAsync(id, seq, bid);
        (await Maintenance.ViewAsync("auction", id)).Int("bidCount").ShouldBe(3);

        await world.MineUntilAsync(commitDeadline);
        foreach (var bid in bids)
        {
            var revealed = (await RevealAsync(id, seq, bid)).Event(Maintenance, "BidRevealed");
            (revealed.Addr("bidder"), (ulong)revealed.Num("price"), (uint)revealed.Num("eta")).ShouldBe((bid.Who.Address, bid.Price, bid.Eta));
            Ids.Hex((byte[])(await Maintenance.ViewAsync("commitmentOf", id, seq, bid.Who.Address))[0]!).ShouldBe(Ids.Hex(Ids.Zero32), "a reveal clears the commitment");
        }
        ChainContract.Describe(await Maintenance.RefusalAsync(world.Outsider, "award", id, seq)).ShouldBe("AwardTooEarly");

        await world.MineUntilAsync(revealDeadline);
        var award = await Maintenance.SendAsync(world.Outsider, "award", id, seq);
        var winner = world.Actor(expectedWinner);
        award.Event(Maintenance, "TicketAwarded").Addr("maintainer").ShouldBe(winner.Address);
        award.Event(world.Registry, "TicketAccepted").Addr("maintainer").ShouldBe(winner.Address);
        var ticket = await world.Registry.ViewAsync("ticket", id);
        (ticket.Int("status"), ticket.Int("mode"), ticket.Addr("maintainer")).ShouldBe((3, Sealed, winner.Address));
    }

    [Fact]
    public async Task CommitBid_HidesTheBid_NothingOnChainRevealsPriceOrEta_UntilTheReveal()
    {
        var (id, seq, commitDeadline, _) = await OpenAsync();
        var bid = new SealedBid(world.MaintainerA, 777, 4_321, Ids.Digest("salt"));
        var commitment = await world.CommitmentAsync(id, seq, bid.Price, bid.Eta, bid.Salt, bid.Who);
        var tx = await Maintenance.SendAsync(bid.Who, "commitBid", id, seq, commitment);

        // The transaction carries (machineId, seq, commitment) and nothing else; the event and the storage only the commitment.
        var sent = await world.Reader.Eth.Transactions.GetTransactionByHash.SendRequestAsync(tx.Receipt.TransactionHash);
        var input = sent.Input.HexToByteArray();
        input.Length.ShouldBe(4 + 3 * 32);
        Ids.Hex(input[(4 + 64)..]).ShouldBe(Ids.Hex(commitment));
        var committed = tx.Event(Maintenance, "BidCommitted");
        (committed.Addr("bidder"), committed.Hex("commitment")).ShouldBe((bid.Who.Address, Ids.Hex(commitment)));
        Ids.Hex((byte[])(await Maintenance.ViewAsync("commitmentOf", id, seq, bid.Who.Address))[0]!).ShouldBe(Ids.Hex(commitment));
        (await Maintenance.ViewAsync("bestBid", id)).Addr("bidder").ShouldBe("0x0000000000000000000000000000000000000000", "no bid is known before the reveal");

        // Without the salt the commitment cannot be matched, even by trying every price for the right eta.
        for (ulong guess = 770; guess <= 780; guess++)
            Ids.Hex(await world.CommitmentAsync(id, seq, guess, bid.Eta, Ids.Zero32, bid.Who)).ShouldNotBe(Ids.Hex(commitment));
        Ids.Hex(await world.CommitmentAsync(id, seq, bid.Price, bid.Eta, Ids.Digest("other salt"), bid.Who)).ShouldNotBe(Ids.Hex(commitment));
        Ids.Hex(await world.CommitmentAsync(id, seq, bid.Price, bid.Eta, bid.Salt, world.MaintainerC)).ShouldNotBe(Ids.Hex(commitment), "a commitment is bound to its bidder");

        await world.MineUntilAsync(commitDeadline);
        (await RevealAsync(id, seq, bid)).Event(Maintenance, "BidRevealed").Num("price").ShouldBe(777);
        var best = await Maintenance.ViewAsync("bestBid", id);
        (best.Addr("bidder"), best.Num("price"), best.Num("eta")).ShouldBe((bid.Who.Address, 777, 4_321));
    }

    [Fact]
    public async Task RevealBid_WithAnythingButTheCommittedBid_RevertsCommitmentMismatch()
    {
        var (id, seq, commitDeadline, _) = await OpenAsync();
        var bid = new SealedBid(world.MaintainerA, 900, 1_800, Ids.Digest("salt"));
        await CommitAsync(id, seq, bid);
        await CommitAsync(id, seq, new SealedBid(world.MaintainerC, 950, 1_200, Ids.Digest("salt")));
        await world.MineUntilAsync(commitDeadline);

        foreach (var wrong in new object[][]
        {
            [bid.Price + 1, bid.Eta, bid.Salt],
            [bid.Price, bid.Eta - 1, bid.Salt],
            [bid.Price, bid.Eta, Ids.Digest("guessed salt")],
        })
            ChainContract.Describe(await Maintenance.RefusalAsync(bid.Who, "revealBid", [id, seq, .. wrong])).ShouldBe("CommitmentMismatch");
        var mined = await Maintenance.MinedRefusalAsync(world.MaintainerC, "revealBid", id, seq, bid.Price, bid.Eta, bid.Salt);
        ChainContract.Describe(mined.Error).ShouldBe("CommitmentMismatch", "another bidder cannot reveal A's bid as its own");
        ChainContract.Describe(await Maintenance.RefusalAsync(world.MaintainerB, "revealBid", id, seq, bid.Price, bid.Eta, bid.Salt)).ShouldBe("NoCommitment");

        await RevealAsync(id, seq, bid);
        ChainContract.Describe(await Maintenance.RefusalAsync(bid.Who, "revealBid", id, seq, bid.Price, bid.Eta, bid.Salt)).ShouldBe("NoCommitment", "a bid is revealed once");
    }

    [Fact]
    public async Task CommitAndReveal_OutsideTheirPhases_AreRefused_AtTheExactBoundaryBlocks()
    {
        var (id, seq, commitDeadline, revealDeadline) = await OpenAsync(commitBlocks: 10, revealBlocks: 10);
        var bid = new SealedBid(world.MaintainerA, 1_000, 3_600, Ids.Digest("salt"));
        ChainContract.Describe(await Maintenance.RefusalAsync(bid.Who, "revealBid", id, seq, bid.Price, bid.Eta, bid.Salt)).ShouldBe("NotRevealPhase");

        await world.MineUntilAsync(commitDeadline - 1);
        var commitment = await world.CommitmentAsync(id, seq, bid.Price, bid.Eta, bid.Salt, bid.Who);
        (await Maintenance.SendAsync(bid.Who, "commitBid", id, seq, commitment)).BlockNumber.ShouldBe(commitDeadline, "the deadline block still takes commitments");
        var late = await Maintenance.MinedRefusalAsync(world.MaintainerC, "commitBid", id, seq, Ids.Digest("commitment"));
        late.Tx.BlockNumber.ShouldBe(commitDeadline + 1);
        ChainContract.Describe(late.Error).ShouldBe("CommitPhaseOver");

        await world.MineUntilAsync(revealDeadline);
        var tooLate = await Maintenance.MinedRefusalAsync(bid.Who, "revealBid", id, seq, bid.Price, bid.Eta, bid.Salt);
        tooLate.Tx.BlockNumber.ShouldBe(revealDeadline + 1);
        ChainContract.Describe(tooLate.Error).ShouldBe("NotRevealPhase");
        ChainContract.Describe(await Maintenance.RefusalAsync(world.Outsider, "award", id, seq)).ShouldBe("NoBids", "an unrevealed commitment never wins");
    }

    [Fact]
    public async Task Award_AnUnrevealedBetterBid_DoesNotWin()
    {
        var (id, seq, commitDeadline, revealDeadline) = await OpenAsync();
        var unrevealed = new SealedBid(world.MaintainerA, 1, 1, Ids.Digest("salt"));
        var revealed = new SealedBid(world.MaintainerC, 5_000, 7_200, Ids.Digest("salt"));
        await CommitAsync(id, seq, unrevealed);
        await CommitAsync(id, seq, revealed);
        await world.MineUntilAsync(commitDeadline);
        await RevealAsync(id, seq, revealed);
        await world.MineUntilAsync(revealDeadline);
        (await Maintenance.SendAsync(world.Outsider, "award", id, seq)).Event(Maintenance, "TicketAwarded").Addr("maintainer").ShouldBe(world.MaintainerC.Address);
    }

    [Fact]
    public async Task RevealBid_ExactTie_GoesToTheLowestCommitment_WhicheverOrderTheRevealsArrive()
    {
        var (id, seq, commitDeadline, revealDeadline) = await OpenAsync();
        var a = new SealedBid(world.MaintainerA, 1_000, 3_600, Ids.Digest("salt"));
        var c = new SealedBid(world.MaintainerC, 1_000, 3_600, Ids.Digest("salt"));
        var commitmentA = Ids.Hex(await CommitAsync(id, seq, a));
        var commitmentC = Ids.Hex(await CommitAsync(id, seq, c));
        var expected = string.CompareOrdinal(commitmentA, commitmentC) < 0 ? a.Who : c.Who;
        await world.MineUntilAsync(commitDeadline);

        var snapshot = await world.SnapshotAsync();
        var winners = new List<string>();
        foreach (var order in new[] { new[] { a, c }, [c, a] })
        {
            foreach (var bid in order) await RevealAsync(id, seq, bid);
            await world.MineUntilAsync(revealDeadline);
            winners.Add((await Maintenance.SendAsync(world.Outsider, "award", id, seq)).Event(Maintenance, "TicketAwarded").Addr("maintainer"));
            await world.RevertToAsync(snapshot);
            snapshot = await world.SnapshotAsync();
        }

        winners.ShouldBe([expected.Address, expected.Address], "the same winner whichever reveal comes first: the lowest commitment");
    }
}
