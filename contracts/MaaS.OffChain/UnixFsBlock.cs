namespace MaaS.OffChain;

/// <summary>
/// The dag-pb block that Kubo's <c>ipfs add</c> makes (defaults: CIDv0, 256 KiB chunks, no raw leaves)
/// for a file that fits in one chunk. Protobuf, with the fields in this order:
/// <code>
/// PBNode.Data (field 1, bytes) = UnixFS Data {
///     Type     (field 1, varint) = 2 (File)
///     Data     (field 2, bytes)  = the content; omitted when the content is empty
///     filesize (field 3, varint) = content length
/// }
/// </code>
/// i.e. <c>0a varint(len(u)) u</c> with <c>u = 08 02 [12 varint(n) content] 18 varint(n)</c>.
/// </summary>
public static class UnixFsBlock
{
    /// <summary>Kubo's default chunk size (<c>size-262144</c>): larger content becomes several blocks.</summary>
    public const int MaxContentLength = 262_144;

    /// <summary>The largest block <see cref="Encode"/> makes: content plus at most 14 bytes of framing.</summary>
    public const int MaxBlockLength = MaxContentLength + 14;

    public static byte[] Encode(ReadOnlySpan<byte> content)
    {
        if (content.Length > MaxContentLength)
            throw new ContentTooLargeException(content.Length);

        var n = (ulong)content.Length;
        var dataField = content.Length == 0 ? 0 : 1 + VarintLength(n) + content.Length;
        var inner = 2 + dataField + 1 + VarintLength(n);
        var block = new byte[1 + VarintLength((ulong)inner) + inner];

        var at = 0;
        block[at++] = 0x0a;
        at += WriteVarint(block.AsSpan(at), (ulong)inner);
        block[at++] = 0x08;
        block[at++] = 0x02;
        if (content.Length > 0)
        {
            block[at++] = 0x12;
            at += WriteVarint(block.AsSpan(at), n);
            content.CopyTo(block.AsSpan(at));
            at += content.Length;
        }
        block[at++] = 0x18;
        at += WriteVarint(block.AsSpan(at), n);
        return at == block.Length ? block : throw new InvalidOperationException("UnixFS block length miscounted.");
    }

    /// <summary>
    /// The content of a block made by <see cref="Encode"/>. Anything else — other field orders,
    /// links, other UnixFS types, trailing bytes — is refused, so a block decodes only if it is
    /// exactly the block Kubo would make for its content.
    /// </summary>
    public static byte[] Decode(ReadOnlySpan<byte> block)
    {
        if (!TryDecode(block, out var content))
            throw new FormatException("Not a single-chunk UnixFS file block as `ipfs add` makes it.");
        return content;
    }

    public static bool TryDecode(ReadOnlySpan<byte> block, out byte[] content)
    {
        content = [];
        if (block.Length < 6 || block.Length > MaxBlockLength || block[0] != 0x0a)
            return false;
        if (!TryReadVarint(block[1..], out var innerLength, out var used) || (ulong)(block.Length - 1 - used) != innerLength)
            return false;

        var u = block[(1 + used)..];
        if (u.Length < 4 || u[0] != 0x08 || u[1] != 0x02)
            return false;
        u = u[2..];

        var data = ReadOnlySpan<byte>.Empty;
        if (u.Length > 0 && u[0] == 0x12)
        {
            if (!TryReadVarint(u[1..], out var dataLength, out used) || dataLength == 0 || dataLength > MaxContentLength || dataLength > (ulong)(u.Length - 1 - used))
                return false;
            data = u.Slice(1 + used, (int)dataLength);
            u = u[(1 + used + (int)dataLength)..];
        }

        if (u.Length < 2 || u[0] != 0x18 || !TryReadVarint(u[1..], out var fileSize, out used) || 1 + used != u.Length || fileSize != (ulong)data.Length)
            return false;

        // Varints must be minimal too: re-encoding is the simplest complete check.
        var decoded = data.ToArray();
        if (!Encode(decoded).AsSpan().SequenceEqual(block))
            return false;

        content = decoded;
        return true;
    }

    private static int VarintLength(ulong value)
    {
        var length = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            length++;
        }
        return length;
    }

    private static int WriteVarint(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> source, out ulong value, out int used)
    {
        value = 0;
        for (used = 0; used < source.Length && used < 10; used++)
        {
            var b = source[used];
            value |= (ulong)(b & 0x7f) << (7 * used);
            if (b < 0x80)
            {
                used++;
                return true;
            }
        }
        return false;
    }
}
