using Nethereum.RPC.Eth.DTOs;
using Shouldly;

namespace MaaS.Chain.Tests.Contracts;

/// <summary>A mined transaction and the events it emitted, decoded with the emitting contract's ABI.</summary>
public sealed class Tx(TransactionReceipt receipt)
{
    public TransactionReceipt Receipt { get; } = receipt;

    public long GasUsed => (long)Receipt.GasUsed.Value;

    public long BlockNumber => (long)Receipt.BlockNumber.Value;

    public bool Succeeded => Receipt.Status.Value == 1;

    /// <summary>Every <paramref name="eventName"/> event that <paramref name="emitter"/> emitted in this transaction.</summary>
    public IReadOnlyList<Values> Events(ChainContract emitter, string eventName)
    {
        var logs = Receipt.Logs.Where(l => string.Equals(l.Address, emitter.Address, StringComparison.OrdinalIgnoreCase)).ToArray();
        return emitter.Nethereum().GetEvent(eventName).DecodeAllEventsDefaultForEvent(logs).Select(e => new Values(e.Event)).ToList();
    }

    /// <summary>The single <paramref name="eventName"/> event of <paramref name="emitter"/> (fails unless exactly one).</summary>
    public Values Event(ChainContract emitter, string eventName)
    {
        var events = Events(emitter, eventName);
        events.Count.ShouldBe(1, $"{emitter.Name}.{eventName} events in {Receipt.TransactionHash}");
        return events[0];
    }

    /// <summary>Number of logs in the transaction, all contracts together.</summary>
    public int LogCount => Receipt.Logs.Length;
}
