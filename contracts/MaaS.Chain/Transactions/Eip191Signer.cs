using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Signer;
using Nethereum.Util;

namespace MaaS.Chain.Transactions;

/// <summary>
/// EIP-191 (<c>personal_sign</c>) signatures with libsecp256k1's C# port: the same 65 bytes as Nethereum's
/// <see cref="EthereumMessageSigner.Sign(byte[], EthECKey)"/> (a test compares them), without its BouncyCastle search for the
/// recovery id. IoT boxes and the ingest benchmark sign every readings request; Nethereum's path took milliseconds each.
/// </summary>
public static class Eip191Signer
{
    /// <returns>0x-prefixed r ‖ s ‖ v, v being 27 or 28.</returns>
    public static string Sign(EthECKey key, byte[] message)
    {
        var (r, s, recoveryId) = RecoverableSigning.Sign(key, Sha3Keccack.Current.CalculateHash(Prefixed(message)));
        var bytes = new byte[65];
        r.WriteToSpan(bytes.AsSpan(0, 32));
        s.WriteToSpan(bytes.AsSpan(32, 32));
        bytes[64] = (byte)(27 + recoveryId);
        return bytes.ToHex(true);
    }

    /// <summary>"\x19Ethereum Signed Message:\n" + the message's length in decimal + the message.</summary>
    private static byte[] Prefixed(byte[] message)
    {
        var prefix = System.Text.Encoding.ASCII.GetBytes($"\u0019Ethereum Signed Message:\n{message.Length}");
        return [.. prefix, .. message];
    }
}
