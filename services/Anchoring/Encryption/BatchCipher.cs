using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MaaS.OffChain;

namespace MaaS.Anchoring.Encryption;

/// <summary>
/// The encrypted form of a telemetry batch, as the off-chain store holds it (format version 1):
/// <code>
/// blob = 01 ‖ nonce (12 bytes) ‖ ciphertext (n bytes) ‖ tag (16 bytes)        n = length of the JSON-lines payload
/// AES-256-GCM, key = the batch's data key (32 random bytes), AAD = ASCII "maas/telemetry-batch/v1/&lt;machine uuid&gt;/&lt;batch seq&gt;"
/// </code>
/// The AAD binds the blob to its machine and batch: a blob moved to another batch does not decrypt.
/// </summary>
public static class BatchCipher
{
    public const byte Version = 1;
    public const int NonceLength = 12;
    public const int TagLength = 16;
    public const int KeyLength = 32;
    public const int Overhead = 1 + NonceLength + TagLength;

    /// <summary>The largest payload whose blob still fits one UnixFS chunk (262,144 − 29 bytes).</summary>
    public const int MaxPayloadLength = UnixFsBlock.MaxContentLength - Overhead;

    public static byte[] AssociatedData(Guid machine, long batchSeq) =>
        Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"maas/telemetry-batch/v1/{machine:D}/{batchSeq}"));

    public static byte[] Encrypt(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> dataKey, Guid machine, long batchSeq)
    {
        if (dataKey.Length != KeyLength) throw new ArgumentException($"The data key is {KeyLength} bytes.", nameof(dataKey));
        var blob = new byte[Overhead + payload.Length];
        blob[0] = Version;
        var nonce = blob.AsSpan(1, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(dataKey, TagLength);
        aes.Encrypt(nonce, payload, blob.AsSpan(1 + NonceLength, payload.Length), blob.AsSpan(1 + NonceLength + payload.Length), AssociatedData(machine, batchSeq));
        return blob;
    }

    /// <exception cref="CryptographicException">Wrong key, wrong batch, or the blob was altered.</exception>
    public static byte[] Decrypt(ReadOnlySpan<byte> blob, ReadOnlySpan<byte> dataKey, Guid machine, long batchSeq)
    {
        if (blob.Length < Overhead || blob[0] != Version) throw new CryptographicException($"Not a version {Version} batch blob.");
        var length = blob.Length - Overhead;
        var payload = new byte[length];
        using var aes = new AesGcm(dataKey, TagLength);
        aes.Decrypt(blob.Slice(1, NonceLength), blob.Slice(1 + NonceLength, length), blob.Slice(1 + NonceLength + length, TagLength), payload,
            AssociatedData(machine, batchSeq));
        return payload;
    }
}
