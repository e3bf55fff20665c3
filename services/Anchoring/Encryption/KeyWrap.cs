using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NBitcoin.Secp256k1;
using Nethereum.Signer;

namespace MaaS.Anchoring.Encryption;

/// <summary>
/// ECIES on secp256k1: a batch's data key wrapped for one member's Ethereum key, so that only the holder of that account's
/// private key can unwrap it (format version 1, 126 bytes):
/// <code>
/// envelope = 01 ‖ E (65 bytes: 04 ‖ X ‖ Y, a fresh ephemeral public key) ‖ nonce (12) ‖ wrapped key (32) ‖ tag (16)
/// z        = X coordinate of e·P, the ECDH of the ephemeral private key e with the member's public key P   (32 bytes)
/// kek      = HKDF-SHA256(IKM = z, salt = E, info = ASCII "maas/key-wrap/v1", 32 bytes)
/// wrapped  = AES-256-GCM(kek, nonce, data key, AAD = ASCII "maas/key-wrap/v1/&lt;machine uuid&gt;/&lt;batch seq&gt;/&lt;member address, lower case 0x…&gt;")
/// </code>
/// The member unwraps with z = X of d·E (d = its private key). The AAD ties an envelope to its batch and member.
/// </summary>
public static class KeyWrap
{
    public const byte Version = 1;
    public const int PublicKeyLength = 65;
    public const int EnvelopeLength = 1 + PublicKeyLength + BatchCipher.NonceLength + BatchCipher.KeyLength + BatchCipher.TagLength;
    private static readonly byte[] Info = Encoding.ASCII.GetBytes("maas/key-wrap/v1");

    public static byte[] AssociatedData(Guid machine, long batchSeq, string member) =>
        Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"maas/key-wrap/v1/{machine:D}/{batchSeq}/{member.ToLowerInvariant()}"));

    /// <param name="memberPublicKey">The member's uncompressed public key (65 bytes, 04 ‖ X ‖ Y).</param>
    public static byte[] Wrap(ReadOnlySpan<byte> dataKey, byte[] memberPublicKey, Guid machine, long batchSeq, string member)
    {
        if (dataKey.Length != BatchCipher.KeyLength) throw new ArgumentException($"The data key is {BatchCipher.KeyLength} bytes.", nameof(dataKey));
        using var ephemeral = NewPrivateKey();
        var ephemeralPublic = ephemeral.CreatePubKey().ToBytes(compressed: false);
        var kek = KeyEncryptionKey(SharedSecret(ephemeral, memberPublicKey), ephemeralPublic);
        try
        {
            var envelope = new byte[EnvelopeLength];
            envelope[0] = Version;
            ephemeralPublic.CopyTo(envelope, 1);
            var nonce = envelope.AsSpan(1 + PublicKeyLength, BatchCipher.NonceLength);
            RandomNumberGenerator.Fill(nonce);
            using var aes = new AesGcm(kek, BatchCipher.TagLength);
            var wrappedAt = 1 + PublicKeyLength + BatchCipher.NonceLength;
            aes.Encrypt(nonce, dataKey, envelope.AsSpan(wrappedAt, BatchCipher.KeyLength), envelope.AsSpan(wrappedAt + BatchCipher.KeyLength, BatchCipher.TagLength),
                AssociatedData(machine, batchSeq, member));
            return envelope;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    /// <exception cref="CryptographicException">Not this member's envelope, another batch's, or altered.</exception>
    public static byte[] Unwrap(ReadOnlySpan<byte> envelope, EthECKey memberKey, Guid machine, long batchSeq)
    {
        ArgumentNullException.ThrowIfNull(memberKey);
        if (envelope.Length != EnvelopeLength || envelope[0] != Version) throw new CryptographicException($"Not a version {Version} key envelope.");
        var ephemeralPublic = envelope.Slice(1, PublicKeyLength).ToArray();
        using var privateKey = ECPrivKey.Create(Fixed32(memberKey.GetPrivateKeyAsBytes()));
        var kek = KeyEncryptionKey(SharedSecret(privateKey, ephemeralPublic), ephemeralPublic);
        try
        {
            var dataKey = new byte[BatchCipher.KeyLength];
            var wrappedAt = 1 + PublicKeyLength + BatchCipher.NonceLength;
            using var aes = new AesGcm(kek, BatchCipher.TagLength);
            aes.Decrypt(envelope.Slice(1 + PublicKeyLength, BatchCipher.NonceLength), envelope.Slice(wrappedAt, BatchCipher.KeyLength),
                envelope.Slice(wrappedAt + BatchCipher.KeyLength, BatchCipher.TagLength), dataKey, AssociatedData(machine, batchSeq, memberKey.GetPublicAddress()));
            return dataKey;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    /// <summary>The X coordinate of d·P on secp256k1 (32 bytes, big-endian): the raw ECDH secret.</summary>
    public static byte[] SharedSecret(EthECKey privateKey, byte[] publicKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        using var key = ECPrivKey.Create(Fixed32(privateKey.GetPrivateKeyAsBytes()));
        return SharedSecret(key, publicKey);
    }

    // libsecp256k1's constant-time point multiplication (NBitcoin.Secp256k1, which Nethereum signs with).
    private static byte[] SharedSecret(ECPrivKey privateKey, byte[] publicKey)
    {
        if (publicKey is not { Length: PublicKeyLength } || publicKey[0] != 0x04 || !ECPubKey.TryCreate(publicKey, null, out _, out var point) || point is null)
            throw new CryptographicException("A public key is a point of secp256k1, 65 bytes: 04 ‖ X ‖ Y.");
        return point.GetSharedPubkey(privateKey).ToBytes(compressed: false)[1..33];
    }

    private static ECPrivKey NewPrivateKey()
    {
        Span<byte> scalar = stackalloc byte[32];
        try
        {
            while (true)
            {
                RandomNumberGenerator.Fill(scalar);
                if (ECPrivKey.TryCreate(scalar, out var key) && key is not null) return key;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scalar);
        }
    }

    // A scalar may come without its leading zero bytes (or with a sign byte); the curve wants exactly 32.
    private static byte[] Fixed32(byte[] value) => value.Length switch
    {
        32 => value,
        < 32 => [.. new byte[32 - value.Length], .. value],
        _ => value[^32..],
    };

    private static byte[] KeyEncryptionKey(byte[] sharedSecret, byte[] ephemeralPublic)
    {
        try
        {
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, sharedSecret, BatchCipher.KeyLength, ephemeralPublic, Info);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sharedSecret);
        }
    }
}
