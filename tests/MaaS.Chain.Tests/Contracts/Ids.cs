using System.Security.Cryptography;
using System.Text;
using Nethereum.ABI;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Util;

namespace MaaS.Chain.Tests.Contracts;

/// <summary>Realistic on-chain identifiers: UUID machine ids, sha256 digests for CIDs, ASCII models.</summary>
public static class Ids
{
    /// <summary>A fresh machine id: a random UUID in the low 16 bytes of a bytes32 (RFC 4122 byte order), as docs/contracts.md specifies.</summary>
    public static byte[] MachineId()
    {
        var id = new byte[32];
        Guid.NewGuid().TryWriteBytes(id.AsSpan(16, 16), bigEndian: true, out _).EnsureWritten();
        return id;
    }

    /// <summary>A sha256 digest (what a CID puts on chain) of a unique document named <paramref name="label"/>.</summary>
    public static byte[] Digest(string label = "document") => SHA256.HashData(Encoding.UTF8.GetBytes($"{label}/{Guid.NewGuid()}"));

    /// <summary>An ASCII name left-aligned in a bytes32 (models, contract names).</summary>
    public static byte[] Ascii(string text)
    {
        var bytes = new byte[32];
        Encoding.ASCII.GetBytes(text).CopyTo(bytes, 0);
        return bytes;
    }

    public static byte[] Zero32 => new byte[32];

    public static string Hex(byte[] bytes) => bytes.ToHex(true);

    /// <summary>keccak256(abi.encode(values...)) with explicit Solidity types.</summary>
    public static byte[] KeccakEncoded(params ABIValue[] values) => Sha3Keccack.Current.CalculateHash(new ABIEncode().GetABIEncoded(values));

    private static void EnsureWritten(this bool written)
    {
        if (!written) throw new InvalidOperationException("could not write the UUID");
    }
}
