using System.Numerics;

namespace MaaS.Anchoring;

/// <summary>Configuration section <c>Anchoring</c>.</summary>
public sealed class AnchoringOptions
{
    public const string Section = "Anchoring";

    /// <summary>
    /// The key that signs <c>commitRound</c> (hex). Without it the service creates one in the deployment's key store on first
    /// start and keeps using it.
    /// </summary>
    public string? AnchorerPrivateKey { get; set; }

    /// <summary>A round is closed as soon as this many batches wait (and never holds more).</summary>
    public int RoundMaxBatches { get; set; } = 256;

    /// <summary>A round is closed when its oldest batch has waited this long, however few batches it holds.</summary>
    public TimeSpan RoundMaxAge { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the round cutter and the round sender look for work.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long a sealed batch waits for the public keys of its machine's group. After that it is encrypted for the members
    /// whose keys are known (the machine itself must be known: a batch is never encrypted for nobody).
    /// </summary>
    public TimeSpan GroupWait { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>When this deployment holds the operator's key, it tops the anchorer up to <see cref="AnchorerFundingWei"/> below this balance.</summary>
    public BigInteger AnchorerMinBalanceWei { get; set; } = BigInteger.Pow(10, 17);

    public BigInteger AnchorerFundingWei { get; set; } = BigInteger.Pow(10, 18);
}
