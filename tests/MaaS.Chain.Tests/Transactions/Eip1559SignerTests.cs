using System.Security.Cryptography;
using MaaS.Chain.Transactions;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Model;
using Nethereum.Signer;
using Nethereum.Util;
using Shouldly;

namespace MaaS.Chain.Tests.Transactions;

/// <summary>The writer's fast signer must produce exactly what Nethereum's own EIP-1559 signer produces.</summary>
public sealed class Eip1559SignerTests
{
    [Fact]
    public void Sign_GivesTheBytesOfNethereumsSigner_ForManyKeysAndTransactions()
    {
        // 1,000 keys: about four signatures in a thousand have an r or s with a leading zero byte, which RLP must drop.
        for (var i = 0; i < 1_000; i++)
        {
            var key = EthECKey.GenerateKey();
            var data = RandomNumberGenerator.GetBytes(4 + i % 200).ToHex(true);
            Transaction1559 Transaction() => new(31337, i, 1_000_000_000 + i, 3_000_000_000L * (i + 1), 21_000 + i,
                "0x5fbdb2315678afecb367f032d93f642f64180aa3", i % 3, data, null);

            var expected = new Transaction1559Signer().SignTransaction(key, Transaction()).EnsureHexPrefix();
            var (raw, hash) = Eip1559Signer.Sign(key, Transaction());

            raw.ShouldBe(expected, $"transaction {i}");
            hash.ShouldBe(Sha3Keccack.Current.CalculateHash(expected.HexToByteArray()).ToHex(true));
        }
    }

    [Fact]
    public void Sign_RecoversToTheSigner()
    {
        var key = EthECKey.GenerateKey();
        var (raw, _) = Eip1559Signer.Sign(key, new Transaction1559(31337, 7, 1, 2, 50_000, "0x000000000000000000000000000000000000dEaD", 0, "0x", null));

        var decoded = (Transaction1559)TransactionFactory.CreateTransaction(raw);
        decoded.GetSenderAddress().ShouldBe(key.GetPublicAddress(), StringCompareShould.IgnoreCase);
        decoded.Nonce.ShouldBe(7);
    }
}

/// <summary>The devices' fast EIP-191 signer must produce exactly what Nethereum's <c>EthereumMessageSigner</c> produces.</summary>
public sealed class Eip191SignerTests
{
    [Fact]
    public void Sign_GivesTheSignatureOfNethereumsMessageSigner_ForManyKeysAndMessages()
    {
        for (var i = 0; i < 500; i++)
        {
            var key = EthECKey.GenerateKey();
            var message = RandomNumberGenerator.GetBytes(i * 37 % 3000);

            Eip191Signer.Sign(key, message).ShouldBe(new EthereumMessageSigner().Sign(message, key), $"message {i}");
        }
    }

    [Fact]
    public void Sign_RecoversToTheSigner()
    {
        var key = EthECKey.GenerateKey();
        var message = RandomNumberGenerator.GetBytes(150_000);

        new EthereumMessageSigner().EcRecover(message, Eip191Signer.Sign(key, message)).ShouldBe(key.GetPublicAddress(), StringCompareShould.IgnoreCase);
    }
}
