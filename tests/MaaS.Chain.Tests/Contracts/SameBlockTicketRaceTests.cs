using Nethereum.RPC.Eth.DTOs;
using Shouldly;

namespace MaaS.Chain.Tests.Contracts;

/// <summary>
/// Two accredited maintainers accept the same FCFS ticket in the same block (automine paused, then <c>evm_mine</c>):
/// the contract itself lets exactly one win — the one ordered first in the block — and mines the other as failed.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SameBlockTicketRaceTests(ChainWorld world) : IClassFixture<ChainWorld>
{
    [Theory]
    [InlineData("maintainerA", "maintainerC")]
    [InlineData("maintainerC", "maintainerA")]
    public async Task AcceptTicket_TwoMaintainersInTheSameBlock_FirstInTheBlockWins_TheOtherIsMinedAsTicketAlreadyTaken(string sentFirst, string sentSecond)
    {
        var id = await world.RunningAsync();
        var seq = await world.OpenTicketAsync(id);
        var (first, second) = (world.Actor(sentFirst), world.Actor(sentSecond));
        var startBlock = await world.BlockNumberAsync();

        string[] hashes;
        await world.RpcAsync<object>("evm_setAutomine", false);
        try
        {
            hashes =
            [
                await world.Registry.SubmitAsync(first, "acceptTicket", 200_000, id, seq),
                await world.Registry.SubmitAsync(second, "acceptTicket", 200_000, id, seq),
            ];
            (await world.BlockNumberAsync()).ShouldBe(startBlock, "nothing is mined while automine is off");
            await world.RpcAsync<object>("evm_mine");
        }
        finally
        {
            await world.RpcAsync<object>("evm_setAutomine", true);
        }

        var receipts = new List<TransactionReceipt>();
        foreach (var hash in hashes) receipts.Add(await world.Reader.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash));
        receipts.Select(r => (long)r.BlockNumber.Value).Distinct().ShouldHaveSingleItem().ShouldBe(startBlock + 1, "both in the same block");
        var ordered = receipts.OrderBy(r => r.TransactionIndex.Value).ToList();
        var (winner, loser) = (ordered[0], ordered[1]);
        winner.Status.Value.ShouldBe(1, "the first acceptance in block order wins");
        loser.Status.Value.ShouldBe(0, "the second acceptance is mined as failed by the contract itself");
        loser.Logs.ShouldBeEmpty();

        var winnerAddress = winner.From.ToLowerInvariant();
        new Tx(winner).Event(world.Registry, "TicketAccepted").Addr("maintainer").ShouldBe(winnerAddress);
        var ticket = await world.Registry.ViewAsync("ticket", id);
        (ticket.Int("status"), ticket.Addr("maintainer")).ShouldBe((3, winnerAddress));
        var replayed = await world.ReplayRevertAsync(loser.TransactionHash);
        ChainContract.Describe(replayed).ShouldBe($"TicketAlreadyTaken({winnerAddress})");
        ((long)loser.GasUsed.Value).ShouldBeLessThan(200_000, "a refusal, not an out-of-gas");
    }
}
