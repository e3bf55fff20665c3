using System.Globalization;
using System.Text.Json.Serialization;
using Nethereum.RPC.Eth.DTOs;

namespace MaaS.Chain.Following;

/// <summary>
/// One contract log as the follower hands it to its owner: where it was emitted (contract, block, transaction) and
/// what it says (topics and data, 0x-prefixed lower-case hex). A log is identified on one chain by
/// <see cref="BlockHash"/> and <see cref="LogIndex"/>; the same transaction re-mined in another block after a reorg is
/// another log.
/// </summary>
public sealed record ChainLog(
    string Address,
    IReadOnlyList<string> Topics,
    string Data,
    long BlockNumber,
    string BlockHash,
    long LogIndex,
    string TransactionHash,
    long TransactionIndex)
{
    /// <summary>Block hash and log index: unique per log on one chain, and the same every time the log is read.</summary>
    [JsonIgnore]
    public string Key => $"{BlockHash}:{LogIndex.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The event signature hash (topic 0), or null for an anonymous event without topics.</summary>
    [JsonIgnore]
    public string? EventSignature => Topics.Count > 0 ? Topics[0] : null;

    public static ChainLog From(FilterLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (log.BlockHash is null || log.BlockNumber is null || log.LogIndex is null)
            throw new ArgumentException("A pending log (without block hash, number or index) cannot be followed.", nameof(log));
        return new ChainLog(
            Hex(log.Address),
            (log.Topics ?? []).Select(t => Hex(t?.ToString())).ToArray(),
            Hex(log.Data),
            (long)log.BlockNumber.Value,
            Hex(log.BlockHash),
            (long)log.LogIndex.Value,
            Hex(log.TransactionHash),
            log.TransactionIndex is null ? 0 : (long)log.TransactionIndex.Value);
    }

    internal static string Hex(string? value) => string.IsNullOrEmpty(value) ? "0x" : value.ToLowerInvariant();
}
