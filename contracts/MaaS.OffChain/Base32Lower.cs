namespace MaaS.OffChain;

/// <summary>
/// RFC 4648 base32, lowercase, without padding: multibase "b", the form CIDv1 strings use.
/// Decoding is strict: uppercase, padding and non-zero trailing bits are refused, so every
/// accepted string is the one <see cref="Encode"/> gives for its bytes.
/// </summary>
public static class Base32Lower
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    public static string Encode(ReadOnlySpan<byte> data)
    {
        var chars = new char[((data.Length * 8) + 4) / 5];
        var buffer = 0;
        var bits = 0;
        var n = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                chars[n++] = Alphabet[(buffer >> bits) & 31];
            }
        }
        if (bits > 0)
            chars[n++] = Alphabet[(buffer << (5 - bits)) & 31];
        return new string(chars);
    }

    public static byte[] Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryDecode(text, out var bytes)
            ? bytes
            : throw new FormatException($"'{text}' is not canonical lowercase unpadded base32.");
    }

    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        // 1, 3 and 6 leftover characters cannot come from whole bytes.
        var rest = text.Length % 8;
        if (rest is 1 or 3 or 6)
            return false;

        var result = new byte[text.Length * 5 / 8];
        var buffer = 0;
        var bits = 0;
        var n = 0;
        foreach (var c in text)
        {
            int digit = c switch
            {
                >= 'a' and <= 'z' => c - 'a',
                >= '2' and <= '7' => c - '2' + 26,
                _ => -1,
            };
            if (digit < 0)
                return false;

            buffer = ((buffer << 5) | digit) & 0xfff;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                result[n++] = (byte)(buffer >> bits);
            }
        }

        // Leftover bits must be zero, else two strings would decode to the same bytes.
        if ((buffer & ((1 << bits) - 1)) != 0)
            return false;

        bytes = result;
        return true;
    }
}
