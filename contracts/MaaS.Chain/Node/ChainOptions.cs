namespace MaaS.Chain.Node;

/// <summary>Where the EVM node is and how the chain is to be read.</summary>
public sealed class ChainOptions
{
    public const string Section = "Chain";

    /// <summary>JSON-RPC endpoint of the EVM node (anvil locally, Besu in a consortium).</summary>
    public Uri RpcUrl { get; set; } = new("http://127.0.0.1:8545");

    /// <summary>The chain id the node must report; a mismatch makes the service unready rather than sign for the wrong chain.</summary>
    public long ChainId { get; set; } = 31337;

    /// <summary>Blocks on top of a log's block before it is final. 0 on instant-mining dev chains.</summary>
    public int Confirmations { get; set; }

    /// <summary>The deployment file written by the deploy tool (contract addresses).</summary>
    public string? DeploymentFile { get; set; }
}
