using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;

namespace MaaS.Machines.Members;

/// <summary>
/// The chain's clock: the latest block's timestamp. The Consortium contract checks invitation expiry against block
/// time, which need not be the wall clock (a dev chain whose time was moved forward, a node with a skewed clock), so
/// expiries are set and checked on the chain's clock too.
/// </summary>
public static class ChainTime
{
    public static async Task<DateTimeOffset> NowAsync(IWeb3 web3)
    {
        var latest = await web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(BlockParameter.CreateLatest());
        return DateTimeOffset.FromUnixTimeSeconds((long)latest.Timestamp.Value);
    }
}
