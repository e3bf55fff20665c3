using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MaaS.Chain.Proofs;

/// <summary>
/// The proof that one telemetry reading is anchored on chain, checkable by anyone with an EVM node (see
/// <see cref="ProofVerifier"/> and <c>docs/anchoring.md</c>). Two RFC 6962 inclusion proofs chained together:
/// <list type="number">
/// <item><see cref="Reading"/> (canonical bytes) is leaf <see cref="ReadingIndex"/> of <see cref="BatchSize"/> in its batch,
/// <see cref="BatchPath"/> leads to the batch root;</item>
/// <item><see cref="BatchLeaf"/> (canonical bytes) names that root and is leaf <see cref="LeafIndex"/> of <see cref="RoundSize"/> in
/// round <see cref="RoundId"/>, <see cref="RoundPath"/> leads to the round root that <c>TelemetryAnchor.round(roundId)</c> holds,
/// committed by <see cref="TransactionHash"/> in <see cref="Block"/>.</item>
/// </list>
/// Hashes are lowercase hex without a prefix (as <c>sha256sum</c> prints them); <see cref="BatchRoot"/> and
/// <see cref="RoundRoot"/> are what the prover claims, and a verifier recomputes both rather than trust them.
/// </summary>
public sealed record ReadingProof(
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("reading")] string Reading,
    [property: JsonPropertyName("readingIndex")] int ReadingIndex,
    [property: JsonPropertyName("batchSize")] int BatchSize,
    [property: JsonPropertyName("batchPath")] IReadOnlyList<string> BatchPath,
    [property: JsonPropertyName("batchRoot")] string BatchRoot,
    [property: JsonPropertyName("batchLeaf")] string BatchLeaf,
    [property: JsonPropertyName("leafIndex")] int LeafIndex,
    [property: JsonPropertyName("roundSize")] int RoundSize,
    [property: JsonPropertyName("roundPath")] IReadOnlyList<string> RoundPath,
    [property: JsonPropertyName("roundRoot")] string RoundRoot,
    [property: JsonPropertyName("roundId")] long RoundId,
    [property: JsonPropertyName("anchor")] string Anchor,
    [property: JsonPropertyName("chainId")] long ChainId,
    [property: JsonPropertyName("transactionHash")] string TransactionHash,
    [property: JsonPropertyName("block")] long Block,
    [property: JsonPropertyName("confirmations")] long? Confirmations = null)
{
    public const int CurrentVersion = 1;

    /// <summary>Indented, and quotes inside the reading and the leaf written as <c>\"</c> rather than <c>\u0022</c>, for people reading it.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The canonical bytes of the reading (UTF-8 of <see cref="Reading"/>): the batch tree's leaf data.</summary>
    [JsonIgnore]
    public byte[] ReadingBytes => Encoding.UTF8.GetBytes(Reading ?? "");

    /// <summary>The canonical bytes of the batch leaf: the round tree's leaf data.</summary>
    [JsonIgnore]
    public byte[] BatchLeafBytes => Encoding.UTF8.GetBytes(BatchLeaf ?? "");

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static ReadingProof FromJson(string json) =>
        JsonSerializer.Deserialize<ReadingProof>(json, JsonOptions) ?? throw new JsonException("The document is not a reading proof.");
}
