using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MaaS.OffChain;

/// <summary>
/// The content identifier of a one-chunk off-chain object: a dag-pb node hashed with SHA-256, exactly
/// what <c>ipfs add</c> (Kubo defaults) and Debian's <c>ipfs_cid</c> print. Two spellings of the same
/// identifier are equal: <see cref="V0"/> (<c>Qm…</c>, base58btc of <c>12 20 digest</c>) and
/// <see cref="V1"/> (<c>bafybei…</c>, "b" + base32 of <c>01 70 12 20 digest</c>).
/// The 32-byte <see cref="Digest"/> is SHA-256 of the UnixFS block; it is what goes on chain as bytes32.
/// </summary>
[JsonConverter(typeof(CidJsonConverter))]
public sealed class Cid : IEquatable<Cid>, IParsable<Cid>
{
    public const int DigestLength = 32;

    // Multihash header: sha2-256 (0x12), 32 bytes (0x20). CIDv1 adds version 1 and codec dag-pb (0x70).
    private static ReadOnlySpan<byte> MultihashPrefix => [0x12, 0x20];

    private static ReadOnlySpan<byte> V1Prefix => [0x01, 0x70, 0x12, 0x20];

    private readonly byte[] _digest;

    private Cid(byte[] digest)
    {
        _digest = digest;
        V0 = Base58Btc.Encode([.. MultihashPrefix, .. digest]);
        V1 = "b" + Base32Lower.Encode([.. V1Prefix, .. digest]);
    }

    /// <summary>SHA-256 of the UnixFS block (the multihash digest). Not a hash of the content itself.</summary>
    public ReadOnlySpan<byte> Digest => _digest;

    /// <summary>The CIDv0 string (<c>Qm…</c>) that <c>ipfs add</c> prints by default.</summary>
    public string V0 { get; }

    /// <summary>The CIDv1 string (<c>bafybei…</c>): dag-pb, sha2-256, lowercase base32.</summary>
    public string V1 { get; }

    /// <summary>The digest as lowercase hex without a prefix (what <c>sha256sum</c> prints for the block).</summary>
    public string DigestHex => Convert.ToHexStringLower(_digest);

    /// <summary>The CID of <paramref name="content"/> stored as one UnixFS chunk.</summary>
    /// <exception cref="ContentTooLargeException">The content is over <see cref="UnixFsBlock.MaxContentLength"/> bytes.</exception>
    public static Cid Compute(ReadOnlySpan<byte> content) => FromBlock(UnixFsBlock.Encode(content));

    /// <summary>The CID of a block as stored (the hash of the bytes as they are, whatever they hold).</summary>
    public static Cid FromBlock(ReadOnlySpan<byte> block) => new(SHA256.HashData(block));

    public static Cid FromDigest(ReadOnlySpan<byte> digest) =>
        digest.Length == DigestLength
            ? new Cid(digest.ToArray())
            : throw new ArgumentException($"A SHA-256 digest is {DigestLength} bytes, not {digest.Length}.", nameof(digest));

    /// <summary>From 64 hex digits, with or without a <c>0x</c> prefix (as a bytes32 is usually written).</summary>
    public static Cid FromDigestHex(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        var digits = hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex[2..] : hex;
        return digits.Length == 2 * DigestLength
            ? new Cid(Convert.FromHexString(digits))
            : throw new FormatException($"A SHA-256 digest is {2 * DigestLength} hex digits; got '{hex}'.");
    }

    public byte[] ToDigestBytes() => (byte[])_digest.Clone();

    /// <summary>Accepts a CIDv0 (<c>Qm…</c>) or a base32 CIDv1 (<c>b…</c>) of a dag-pb, sha2-256 node.</summary>
    public static Cid Parse(string s) => Parse(s, provider: null);

    public static Cid Parse(string s, IFormatProvider? provider)
    {
        ArgumentNullException.ThrowIfNull(s);
        return TryParse(s, out var cid, out var reason) ? cid : throw new FormatException($"'{s}' is not a CID this system uses: {reason}");
    }

    public static bool TryParse([NotNullWhen(true)] string? s, [MaybeNullWhen(false)] out Cid result) =>
        TryParse(s, out result, out _);

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, [MaybeNullWhen(false)] out Cid result) =>
        TryParse(s, out result, out _);

    private static bool TryParse(string? s, [MaybeNullWhen(false)] out Cid result, out string reason)
    {
        result = null;
        if (string.IsNullOrEmpty(s))
        {
            reason = "it is empty.";
            return false;
        }

        byte[] bytes;
        ReadOnlySpan<byte> prefix;
        if (s.Length == 46 && s.StartsWith("Qm", StringComparison.Ordinal))
        {
            if (!Base58Btc.TryDecode(s, out bytes))
            {
                reason = "a CIDv0 is base58btc, and this has a character outside that alphabet.";
                return false;
            }
            prefix = MultihashPrefix;
        }
        else if (s[0] == 'b')
        {
            if (!Base32Lower.TryDecode(s.AsSpan(1), out bytes))
            {
                reason = "a 'b' CIDv1 is lowercase unpadded base32, and this is not.";
                return false;
            }
            prefix = V1Prefix;
        }
        else
        {
            reason = "expected a CIDv0 ('Qm…', 46 characters) or a base32 CIDv1 ('b…').";
            return false;
        }

        if (bytes.Length != prefix.Length + DigestLength || !bytes.AsSpan(0, prefix.Length).SequenceEqual(prefix))
        {
            reason = bytes.Length > 1 && bytes[0] == 0x01 && bytes[1] != 0x70
                ? $"its codec is 0x{bytes[1]:x2}; off-chain objects are dag-pb (0x70)."
                : "off-chain objects are dag-pb nodes with a 32-byte sha2-256 multihash.";
            return false;
        }

        result = new Cid(bytes[prefix.Length..]);
        reason = "";
        return true;
    }

    /// <summary>The CIDv0 string, as <c>ipfs add</c> prints it.</summary>
    public override string ToString() => V0;

    public bool Equals(Cid? other) => other is not null && _digest.AsSpan().SequenceEqual(other._digest);

    public override bool Equals(object? obj) => Equals(obj as Cid);

    public override int GetHashCode() => BitConverter.ToInt32(_digest, 0);

    public static bool operator ==(Cid? left, Cid? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(Cid? left, Cid? right) => !(left == right);
}

/// <summary>A CID is a JSON string (its CIDv0 form); either form is read back.</summary>
public sealed class CidJsonConverter : JsonConverter<Cid>
{
    public override Cid Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return Cid.TryParse(text, out var cid) ? cid : throw new JsonException($"Expected a CID string, got {reader.TokenType} '{text}'.");
    }

    public override void Write(Utf8JsonWriter writer, Cid value, JsonSerializerOptions options) => writer.WriteStringValue(value.V0);
}
