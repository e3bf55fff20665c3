using System.Text.Json;
using MaaS.Chain.Artifacts;

namespace MaaS.Chain.Deployment;

/// <summary>
/// <c>artifacts/publication.json</c> as embedded in this build: the CID digest of the standard-JSON input the embedded
/// bytecode was compiled from, and the compiler settings hash, i.e. what <c>publishContract</c> records.
/// </summary>
public sealed record ArtifactPublication(string SourceCidV0, byte[] SourceDigest, int SourceBytes, byte[] CompilerSettingsHash)
{
    private static readonly Lazy<ArtifactPublication> Embedded = new(() =>
    {
        using var stream = typeof(ContractArtifact).Assembly.GetManifestResourceStream("artifacts/publication.json")
            ?? throw new InvalidOperationException("artifacts/publication.json is not embedded in MaaS.Chain.");
        using var document = JsonDocument.Parse(stream);
        var root = document.RootElement;
        return new ArtifactPublication(
            root.GetProperty("sourceCidV0").GetString()!,
            Convert.FromHexString(root.GetProperty("sourceCid").GetString()![2..]),
            root.GetProperty("sourceBytes").GetInt32(),
            Convert.FromHexString(root.GetProperty("compilerSettingsHash").GetString()![2..]));
    });

    public static ArtifactPublication Load() => Embedded.Value;
}
