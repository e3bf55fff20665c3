namespace MaaS.Chain.Following;

/// <summary>What one chain follower reads and how carefully.</summary>
public sealed class FollowerOptions
{
    /// <summary>Keys the follower's checkpoint: renaming a follower makes it start again from <see cref="StartBlock"/>.</summary>
    public string Name { get; set; } = "";

    /// <summary>The contracts whose logs are followed (0x addresses). Logs of any other contract are never read.</summary>
    public IList<string> Addresses { get; } = [];

    /// <summary>
    /// Contract names to look up in the deployment file (<c>Chain:DeploymentFile</c>) when the follower starts, added to
    /// <see cref="Addresses"/>. Lets a service follow what the deploy tool deployed without copying addresses.
    /// </summary>
    public IList<string> Contracts { get; } = [];

    /// <summary>The first block read when there is no checkpoint yet (the deployment block of the contracts).</summary>
    public long StartBlock { get; set; }

    /// <summary>Blocks on top of a log's block before it is final (head − k). 0 on instant-mining dev chains and QBFT.</summary>
    public int Confirmations { get; set; }

    /// <summary>Pause between polls once caught up with the head.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Most blocks read with one <c>eth_getLogs</c> and committed as one step while catching up.</summary>
    public int MaxBlockRange { get; set; } = 2_000;

    /// <summary>
    /// Block hashes kept in the checkpoint to find where a reorg forked. Must exceed <see cref="Confirmations"/>: every
    /// block that is not final yet and holds an applied log is remembered, plus the newest final one as an anchor.
    /// </summary>
    public int RecentBlockHashes { get; set; } = 128;

    /// <summary>Longest pause after repeated failures (node or database down); the pause doubles from <see cref="PollInterval"/>.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name)) throw new InvalidOperationException("A chain follower needs a name (it keys its checkpoint).");
        if (Addresses.Count == 0) throw new InvalidOperationException($"Chain follower '{Name}' follows no contract address.");
        foreach (var address in Addresses)
        {
            if (address is not { Length: 42 } || !address.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || !address[2..].All(char.IsAsciiHexDigit))
                throw new InvalidOperationException($"Chain follower '{Name}': '{address}' is not a 0x-prefixed 20-byte address.");
        }
        if (StartBlock < 0) throw new InvalidOperationException($"Chain follower '{Name}': StartBlock must not be negative.");
        if (Confirmations < 0) throw new InvalidOperationException($"Chain follower '{Name}': Confirmations must not be negative.");
        if (MaxBlockRange < 1) throw new InvalidOperationException($"Chain follower '{Name}': MaxBlockRange must be at least 1.");
        if (RecentBlockHashes <= Confirmations + 1)
            throw new InvalidOperationException($"Chain follower '{Name}': RecentBlockHashes ({RecentBlockHashes}) must exceed Confirmations + 1 ({Confirmations + 1}).");
        if (PollInterval <= TimeSpan.Zero) throw new InvalidOperationException($"Chain follower '{Name}': PollInterval must be positive.");
    }
}
