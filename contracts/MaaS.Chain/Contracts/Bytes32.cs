using System.Text;
using Nethereum.Hex.HexConvertors.Extensions;

namespace MaaS.Chain.Contracts;

/// <summary>The 32-byte values of the contracts' ABI: machine ids, models, CID digests, hashes.</summary>
public static class Bytes32
{
    public const int Length = 32;

    /// <summary>A machine id as the services choose it: the UUID (RFC 4122 byte order) in the low 16 bytes.</summary>
    public static byte[] FromGuid(Guid id)
    {
        var value = new byte[Length];
        id.TryWriteBytes(value.AsSpan(16), bigEndian: true, out _);
        return value;
    }

    /// <summary>The UUID of a machine id made by <see cref="FromGuid"/>.</summary>
    public static Guid ToGuid(ReadOnlySpan<byte> value)
    {
        Require(value, nameof(value));
        return new Guid(value[16..], bigEndian: true);
    }

    /// <summary>ASCII text, left-aligned and zero-padded (models, contract names in the directory).</summary>
    public static byte[] FromAscii(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Any(c => c > 0x7f)) throw new ArgumentException($"'{text}' is not ASCII.", nameof(text));
        if (text.Length > Length) throw new ArgumentException($"'{text}' is longer than 32 bytes.", nameof(text));
        var value = new byte[Length];
        Encoding.ASCII.GetBytes(text, value);
        return value;
    }

    /// <summary>The text of a value made by <see cref="FromAscii"/> (trailing zero bytes removed).</summary>
    public static string ToAscii(ReadOnlySpan<byte> value) => Encoding.ASCII.GetString(value.TrimEnd((byte)0));

    /// <summary>0x-prefixed (or bare) 64 hex digits.</summary>
    public static byte[] Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        var bytes = hex.HexToByteArray();
        Require(bytes, nameof(hex));
        return bytes;
    }

    public static string ToHex(ReadOnlySpan<byte> value) => "0x" + Convert.ToHexStringLower(value);

    public static bool IsZero(ReadOnlySpan<byte> value) => !value.ContainsAnyExcept((byte)0);

    internal static byte[] Require(ReadOnlySpan<byte> value, string name) =>
        value.Length == Length ? value.ToArray() : throw new ArgumentException($"{name} must be 32 bytes, not {value.Length}.", name);

    internal static byte[] Require(byte[]? value, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        return value.Length == Length ? value : throw new ArgumentException($"{name} must be 32 bytes, not {value.Length}.", name);
    }
}
