using System.Runtime.CompilerServices;
using NBitcoin.Secp256k1;
using Nethereum.Signer;

namespace MaaS.Chain.Transactions;

/// <summary>
/// A recoverable secp256k1 signature of a 32-byte hash with libsecp256k1's C# port (RFC 6979 nonces, low s), the key
/// converted once per <see cref="EthECKey"/>. Shared by <see cref="Eip1559Signer"/> and <see cref="Eip191Signer"/>.
/// </summary>
internal static class RecoverableSigning
{
    private static readonly ConditionalWeakTable<EthECKey, ECPrivKey> PrivateKeys = [];

    public static (Scalar R, Scalar S, int RecoveryId) Sign(EthECKey key, ReadOnlySpan<byte> hash)
    {
        var privateKey = PrivateKeys.GetValue(key, k => ECPrivKey.Create(k.GetPrivateKeyAsBytes()));
        if (!privateKey.TrySignRecoverable(hash, out var signature) || signature is null)
            throw new InvalidOperationException("secp256k1 refused to sign the hash.");
        var (r, s, recoveryId) = signature;
        return (r, s, recoveryId);
    }
}
