using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MaaS.OffChain.Telemetry;

/// <summary>Machine status a reading reports.</summary>
public enum ReadingStatus
{
    Idle,
    Running,
    Malfunctioning,
    Maintenance,
}

/// <summary>
/// One telemetry reading. Its canonical bytes (<see cref="Canonical"/>) are what the device signs (inside a request),
/// what a Merkle leaf hashes and what a proof carries; they are compact JSON with this exact property order,
/// integers only, sensor names sorted ordinally:
/// <code>{"machine":"&lt;uuid&gt;","seq":N,"ts":N,"status":"running","produced":N,"rejected":N,"sensors":{"a":N,"b":N}}</code>
/// <c>ts</c> is Unix time in milliseconds; sensor values are integers in fixed units named by the sensor (e.g. <c>temp_mc</c>
/// for milli-degrees Celsius).
/// </summary>
public sealed record Reading(Guid Machine, long Seq, long Timestamp, ReadingStatus Status, long Produced, long Rejected, IReadOnlyDictionary<string, long> Sensors)
{
    public const int MaxSensors = 32;

    public byte[] Canonical()
    {
        var buffer = new ArrayBufferWriter<byte>(160 + Sensors.Count * 24);
        WriteCanonical(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    public void WriteCanonical(IBufferWriter<byte> output)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
        json.WriteStartObject();
        json.WriteString("machine", Machine.ToString("D"));
        json.WriteNumber("seq", Seq);
        json.WriteNumber("ts", Timestamp);
        json.WriteString("status", StatusName(Status));
        json.WriteNumber("produced", Produced);
        json.WriteNumber("rejected", Rejected);
        json.WriteStartObject("sensors");
        foreach (var (name, value) in Sensors.OrderBy(s => s.Key, StringComparer.Ordinal)) json.WriteNumber(name, value);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    public static string StatusName(ReadingStatus status) => status switch
    {
        ReadingStatus.Idle => "idle",
        ReadingStatus.Running => "running",
        ReadingStatus.Malfunctioning => "malfunctioning",
        ReadingStatus.Maintenance => "maintenance",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static bool TryParseStatus(string? name, out ReadingStatus status)
    {
        status = name switch
        {
            "idle" => ReadingStatus.Idle,
            "running" => ReadingStatus.Running,
            "malfunctioning" => ReadingStatus.Malfunctioning,
            "maintenance" => ReadingStatus.Maintenance,
            _ => (ReadingStatus)(-1),
        };
        return (int)status >= 0;
    }

    /// <summary>Sensor names: lower-case ASCII letter, then up to 31 of [a-z0-9_].</summary>
    public static bool IsValidSensorName(string name) =>
        name.Length is >= 1 and <= 32 && name[0] is >= 'a' and <= 'z' && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');

    /// <summary>Parses canonical bytes back (and checks they are canonical: re-encoding must give the same bytes).</summary>
    public static Reading ParseCanonical(ReadOnlySpan<byte> bytes)
    {
        using var document = JsonDocument.Parse(bytes.ToArray());
        var root = document.RootElement;
        var sensors = root.GetProperty("sensors").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64(), StringComparer.Ordinal);
        if (!TryParseStatus(root.GetProperty("status").GetString(), out var status)) throw new FormatException("Unknown status.");
        var reading = new Reading(root.GetProperty("machine").GetGuid(), root.GetProperty("seq").GetInt64(), root.GetProperty("ts").GetInt64(), status,
            root.GetProperty("produced").GetInt64(), root.GetProperty("rejected").GetInt64(), sensors);
        if (!reading.Canonical().AsSpan().SequenceEqual(bytes)) throw new FormatException("The bytes are not the canonical encoding of the reading they contain.");
        return reading;
    }
}

/// <summary>
/// What an IoT box signs: the canonical bytes of its request,
/// <code>{"machine":"&lt;uuid&gt;","readings":[&lt;canonical reading&gt;,...]}</code>
/// signed with EIP-191 (<c>personal_sign</c>) by the device key whose address is registered with the machine on chain.
/// Anyone checks it with <c>cast wallet verify --address &lt;device&gt; "$(cat body)" &lt;signature&gt;</c>.
/// </summary>
public static class ReadingBatchEncoding
{
    private static readonly byte[] Prefix = Encoding.ASCII.GetBytes("{\"machine\":\"");
    private static readonly byte[] Middle = Encoding.ASCII.GetBytes("\",\"readings\":[");
    private static readonly byte[] Suffix = Encoding.ASCII.GetBytes("]}");

    public static byte[] SignedBytes(Guid machine, IReadOnlyList<byte[]> canonicalReadings)
    {
        var machineText = Encoding.ASCII.GetBytes(machine.ToString("D"));
        var length = Prefix.Length + machineText.Length + Middle.Length + canonicalReadings.Sum(r => r.Length) + Math.Max(0, canonicalReadings.Count - 1) + Suffix.Length;
        var result = new byte[length];
        var span = result.AsSpan();
        Append(ref span, Prefix);
        Append(ref span, machineText);
        Append(ref span, Middle);
        for (var i = 0; i < canonicalReadings.Count; i++)
        {
            if (i > 0) Append(ref span, [(byte)',']);
            Append(ref span, canonicalReadings[i]);
        }
        Append(ref span, Suffix);
        return result;
    }

    /// <summary>A sealed batch travels and is stored as the canonical readings in sequence order, one per line (JSON lines).</summary>
    public static byte[] JoinLines(IEnumerable<byte[]> canonicalReadings) => [.. canonicalReadings.SelectMany((r, i) => i == 0 ? r : [(byte)'\n', .. r])];

    public static IReadOnlyList<byte[]> SplitLines(ReadOnlySpan<byte> lines)
    {
        var result = new List<byte[]>();
        foreach (var range in lines.Split((byte)'\n')) if (!lines[range].IsEmpty) result.Add(lines[range].ToArray());
        return result;
    }

    private static void Append(ref Span<byte> span, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(span);
        span = span[bytes.Length..];
    }

    public static string Describe(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// A batch's leaf in a round's Merkle tree: canonical
/// <code>{"machine":"&lt;uuid&gt;","batch":N,"count":N,"root":"&lt;hex batch root&gt;","cid":"&lt;CIDv0 of the encrypted payload&gt;"}</code>
/// so the round root commits to which readings (root), how many, and where their encrypted form lives (CID).
/// </summary>
public sealed record BatchLeaf(Guid Machine, long Batch, int Count, string Root, string Cid)
{
    public byte[] Canonical()
    {
        var buffer = new ArrayBufferWriter<byte>(200);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("machine", Machine.ToString("D"));
            json.WriteNumber("batch", Batch);
            json.WriteNumber("count", Count);
            json.WriteString("root", Root);
            json.WriteString("cid", Cid);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
