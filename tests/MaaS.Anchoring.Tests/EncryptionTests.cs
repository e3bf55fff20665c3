using System.Security.Cryptography;
using MaaS.Anchoring.Batches.Sealing;
using MaaS.Anchoring.Encryption;
using MaaS.Anchoring.Tests.Support;
using MaaS.OffChain;
using Nethereum.Signer;
using Shouldly;

namespace MaaS.Anchoring.Tests;

/// <summary>The blob and key-envelope formats of docs/anchoring.md, without servers.</summary>
public sealed class EncryptionTests
{
    private static readonly Guid Machine = Guid.Parse("0195f1a2-7c3e-7d4a-9b1c-2e5f6a7b8c9d");

    [Fact]
    public void Blob_IsVersionNonceCiphertextTag_AndDecryptsOnlyForItsBatch()
    {
        var payload = Readings.Batch(Machine, 4).Readings;
        var key = RandomNumberGenerator.GetBytes(32);
        var blob = BatchCipher.Encrypt(payload, key, Machine, 4);

        blob.Length.ShouldBe(1 + 12 + payload.Length + 16);
        blob[0].ShouldBe((byte)1);
        BatchCipher.Decrypt(blob, key, Machine, 4).ShouldBe(payload);

        // The same bytes with .NET's AES-GCM and the documented AAD: the format is what docs/anchoring.md says.
        var plain = new byte[payload.Length];
        using (var aes = new AesGcm(key, 16))
            aes.Decrypt(blob.AsSpan(1, 12), blob.AsSpan(13, payload.Length), blob.AsSpan(13 + payload.Length), plain, "maas/telemetry-batch/v1/0195f1a2-7c3e-7d4a-9b1c-2e5f6a7b8c9d/4"u8);
        plain.ShouldBe(payload);

        Should.Throw<CryptographicException>(() => BatchCipher.Decrypt(blob, key, Machine, 5));
        Should.Throw<CryptographicException>(() => BatchCipher.Decrypt(blob, key, Guid.NewGuid(), 4));
        Should.Throw<CryptographicException>(() => BatchCipher.Decrypt(blob, RandomNumberGenerator.GetBytes(32), Machine, 4));
        var altered = (byte[])blob.Clone();
        altered[20] ^= 1;
        Should.Throw<CryptographicException>(() => BatchCipher.Decrypt(altered, key, Machine, 4));
    }

    [Fact]
    public void KeyEnvelope_OpensOnlyWithTheMembersKey_ForItsBatch()
    {
        var member = EthECKey.GenerateKey();
        var other = EthECKey.GenerateKey();
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var envelope = KeyWrap.Wrap(dataKey, member.GetPubKey(false), Machine, 9, member.GetPublicAddress());

        envelope.Length.ShouldBe(126);
        envelope[0].ShouldBe((byte)1);
        envelope.AsSpan(1, 65).ToArray()[0].ShouldBe((byte)0x04);
        KeyWrap.Unwrap(envelope, member, Machine, 9).ShouldBe(dataKey);
        Should.Throw<CryptographicException>(() => KeyWrap.Unwrap(envelope, other, Machine, 9));
        Should.Throw<CryptographicException>(() => KeyWrap.Unwrap(envelope, member, Machine, 10));
        KeyWrap.Wrap(dataKey, member.GetPubKey(false), Machine, 9, member.GetPublicAddress()).ShouldNotBe(envelope, "a fresh ephemeral key each time");
    }

    [Fact]
    public void SharedSecret_IsTheXCoordinateOfTheEcdhPoint_BothWays()
    {
        var a = EthECKey.GenerateKey();
        var b = EthECKey.GenerateKey();
        var ab = KeyWrap.SharedSecret(a, b.GetPubKey(false));
        ab.Length.ShouldBe(32);
        ab.ShouldBe(KeyWrap.SharedSecret(b, a.GetPubKey(false)));
        ab.ShouldBe(a.CalculateCommonSecret(new EthECKey(b.GetPubKey(false), false)), "Nethereum's (BouncyCastle) ECDH agrees");
    }

    [Fact]
    public void ALargestBatch_StillFitsOneChunk_OneByteMoreIsRefused()
    {
        BatchCipher.MaxPayloadLength.ShouldBe(UnixFsBlock.MaxContentLength - 29);
        var batch = Readings.Batch(Machine, 1, 1_800);
        batch.Readings.Length.ShouldBeGreaterThan(BatchCipher.MaxPayloadLength);
        BatchSealer.Refusal(batch, out _).ShouldNotBeNull().ShouldStartWith("too-large");
        BatchSealer.Refusal(Readings.Batch(Machine, 1, 100), out var lines).ShouldBeNull();
        lines.Count.ShouldBe(100);
    }
}
