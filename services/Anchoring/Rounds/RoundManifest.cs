using System.Buffers;
using System.Text.Json;

namespace MaaS.Anchoring.Rounds;

/// <summary>
/// The round manifest stored off-chain (its CID digest is <c>manifestCid</c> in <c>commitRound</c>): compact JSON listing the
/// round's leaves in leaf order, each exactly in its canonical form, so <c>jq -c '.leaves[]'</c> prints the leaf bytes:
/// <code>{"version":1,"root":"&lt;hex round root&gt;","leaves":[{"machine":"…","batch":1,"count":10,"root":"…","cid":"Qm…"},…]}</code>
/// </summary>
public static class RoundManifest
{
    public static byte[] Encode(string root, IReadOnlyList<RoundLeaf> leaves)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + leaves.Count * 200);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("version", 1);
            json.WriteString("root", root);
            json.WriteStartArray("leaves");
            foreach (var leaf in leaves) json.WriteRawValue(leaf.ToBatchLeaf().Canonical(), skipInputValidation: true);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
