namespace MaaS.OffChain;

/// <summary>
/// Base58 with the Bitcoin alphabet, as multibase "z" and CIDv0 use it. Each leading zero byte
/// is one leading '1'. Quadratic in the length, which is fine for identifiers of a few dozen bytes.
/// </summary>
public static class Base58Btc
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    private static readonly sbyte[] DecodeMap = BuildDecodeMap();

    public static string Encode(ReadOnlySpan<byte> data)
    {
        var zeros = 0;
        while (zeros < data.Length && data[zeros] == 0)
            zeros++;

        // log(256) / log(58) ≈ 1.366: digits needed for the non-zero part.
        var digits = new byte[((data.Length - zeros) * 138 / 100) + 1];
        var length = 0;
        for (var i = zeros; i < data.Length; i++)
        {
            int carry = data[i];
            var j = 0;
            for (; j < length || carry != 0; j++)
            {
                carry += 256 * digits[j];
                digits[j] = (byte)(carry % 58);
                carry /= 58;
            }
            length = j;
        }

        var chars = new char[zeros + length];
        chars.AsSpan(0, zeros).Fill('1');
        for (var k = 0; k < length; k++)
            chars[zeros + k] = Alphabet[digits[length - 1 - k]];
        return new string(chars);
    }

    public static byte[] Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryDecode(text, out var bytes)
            ? bytes
            : throw new FormatException($"'{text}' is not base58btc: it has a character outside the Bitcoin alphabet.");
    }

    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        var zeros = 0;
        while (zeros < text.Length && text[zeros] == '1')
            zeros++;

        // log(58) / log(256) ≈ 0.733
        var value = new byte[((text.Length - zeros) * 733 / 1000) + 1];
        var length = 0;
        for (var i = zeros; i < text.Length; i++)
        {
            var c = text[i];
            var digit = c < 128 ? DecodeMap[c] : -1;
            if (digit < 0)
            {
                bytes = [];
                return false;
            }

            var carry = (int)digit;
            var j = 0;
            for (; j < length || carry != 0; j++)
            {
                carry += 58 * value[j];
                value[j] = (byte)(carry & 0xff);
                carry >>= 8;
            }
            length = j;
        }

        bytes = new byte[zeros + length];
        for (var k = 0; k < length; k++)
            bytes[zeros + k] = value[length - 1 - k];
        return true;
    }

    private static sbyte[] BuildDecodeMap()
    {
        var map = new sbyte[128];
        Array.Fill(map, (sbyte)-1);
        for (var i = 0; i < Alphabet.Length; i++)
            map[Alphabet[i]] = (sbyte)i;
        return map;
    }
}
