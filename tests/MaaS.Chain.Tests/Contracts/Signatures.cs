using System.Numerics;

namespace MaaS.Chain.Tests.Contracts;

/// <summary>Signature surgery for the malleability checks (65 bytes r ‖ s ‖ v).</summary>
public static class Signatures
{
    /// <summary>secp256k1 group order n.</summary>
    private static readonly BigInteger N = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The other valid signature of the same message: s' = n − s and v flipped (rejected by the contract: high s).</summary>
    public static byte[] Malleated(byte[] signature)
    {
        var s = new BigInteger(signature.AsSpan(32, 32), isUnsigned: true, isBigEndian: true);
        var high = (N - s).ToByteArray(isUnsigned: true, isBigEndian: true);
        var result = (byte[])signature.Clone();
        Array.Clear(result, 32, 32);
        high.CopyTo(result, 64 - high.Length);
        result[64] = (byte)(signature[64] == 27 ? 28 : 27);
        return result;
    }

    public static byte[] WithV(byte[] signature, int v)
    {
        var result = (byte[])signature.Clone();
        result[64] = (byte)v;
        return result;
    }
}
