namespace MaaS.OffChain;

/// <summary>Configuration section of the off-chain store (e.g. <c>OffChain</c> in appsettings).</summary>
public sealed class OffChainStoreOptions
{
    public const string EmbeddedKind = "embedded";
    public const string KuboKind = "kubo";

    /// <summary><c>embedded</c> (files under <see cref="DataDirectory"/>; the default) or <c>kubo</c> (Kubo RPC at <see cref="KuboApiUrl"/>).</summary>
    public string Kind { get; set; } = EmbeddedKind;

    /// <summary>Root of the embedded store; it holds <c>blocks/</c> and <c>tmp/</c>.</summary>
    public string DataDirectory { get; set; } = "";

    /// <summary>Kubo's RPC root, e.g. <c>http://127.0.0.1:5001/</c> (without <c>/api/v0</c>).</summary>
    public Uri? KuboApiUrl { get; set; }

    /// <summary>How long one Kubo RPC call may take; a <c>cat</c> of content the node must fetch from peers can be slow.</summary>
    public TimeSpan KuboTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
