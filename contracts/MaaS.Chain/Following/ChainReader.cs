using Nethereum.Hex.HexTypes;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;

namespace MaaS.Chain.Following;

/// <summary>The three JSON-RPC reads a follower needs. Block hashes are fetched in one batch request, whatever their number.</summary>
internal sealed class ChainReader(IWeb3 web3)
{
    public async Task<long> HeadAsync() => (long)(await web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value;

    /// <summary>The canonical hash at each height, or null where the node has no such block (the chain got shorter).</summary>
    public async Task<IReadOnlyDictionary<long, string?>> BlockHashesAsync(IEnumerable<long> numbers)
    {
        var distinct = numbers.Distinct().ToArray();
        var hashes = new Dictionary<long, string?>();
        if (distinct.Length == 0) return hashes;
        var handler = web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber;
        if (distinct.Length == 1)
        {
            var block = await handler.SendRequestAsync(new HexBigInteger(distinct[0]));
            hashes[distinct[0]] = Normalize(block?.BlockHash);
            return hashes;
        }
        var batch = new RpcRequestResponseBatch();
        var items = distinct.Select((number, i) =>
        {
            var item = handler.CreateBatchItem(new HexBigInteger(number), i);
            batch.BatchItems.Add(item);
            return (number, item);
        }).ToList();
        await web3.Client.SendBatchRequestAsync(batch);
        foreach (var (number, item) in items)
        {
            if (item.HasError) throw new RpcResponseException(item.RpcError);
            hashes[number] = Normalize(item.Response?.BlockHash);
        }
        return hashes;
    }

    /// <summary>The logs of <paramref name="addresses"/> in [<paramref name="from"/>, <paramref name="to"/>], in chain order.</summary>
    public async Task<IReadOnlyList<ChainLog>> LogsAsync(string[] addresses, long from, long to)
    {
        var filter = new NewFilterInput
        {
            FromBlock = new BlockParameter(new HexBigInteger(from)),
            ToBlock = new BlockParameter(new HexBigInteger(to)),
            Address = addresses,
        };
        var logs = await web3.Eth.Filters.GetLogs.SendRequestAsync(filter);
        return (logs ?? [])
            .Where(l => !l.Removed && l.BlockHash is not null)
            .Select(ChainLog.From)
            .OrderBy(l => l.BlockNumber).ThenBy(l => l.LogIndex)
            .ToList();
    }

    private static string? Normalize(string? hash) => hash?.ToLowerInvariant();
}
