using System.Text.Json;
using MaaS.OffChain.Telemetry;

namespace MaaS.Telemetry.Ingesting;

/// <summary>
/// The body of <c>POST /api/telemetry/readings</c>, parsed straight from UTF-8 into columns (one array per field, one
/// shared array of sensors): a 1,000-reading request costs a handful of arrays, not a dictionary and a record per reading.
/// </summary>
/// <remarks>The shape, for OpenAPI and for readers: <see cref="ReadingsRequestBody"/>.</remarks>
internal sealed partial class ReadingsRequest
{
    private const int MaxReportedErrors = 20;

    private ReadingsRequest(int capacity)
    {
        Seq = new long[capacity];
        Timestamp = new long[capacity];
        Status = new ReadingStatus[capacity];
        Produced = new long[capacity];
        Rejected = new long[capacity];
        SensorStart = new int[capacity];
        SensorCount = new int[capacity];
        Sensors = new Sensor[Math.Max(16, capacity)];
        Names = new byte[Math.Max(256, capacity * 16)];
    }

    public Guid MachineId { get; private set; }

    /// <summary>The <c>signature</c> as sent (null when absent): checked by <see cref="DeviceSignature"/>.</summary>
    public string? Signature { get; private set; }

    public int Count { get; private set; }

    public long[] Seq { get; }

    public long[] Timestamp { get; }

    public ReadingStatus[] Status { get; }

    public long[] Produced { get; }

    public long[] Rejected { get; }

    /// <summary>Reading <c>i</c>'s sensors are <c>Sensors[SensorStart[i] .. SensorStart[i] + SensorCount[i]]</c>, sorted by name once parsed.</summary>
    public int[] SensorStart { get; }

    public int[] SensorCount { get; }

    public Sensor[] Sensors { get; private set; }

    /// <summary>Sensor names (unescaped UTF-8), which <see cref="Sensor"/> points into.</summary>
    public byte[] Names { get; private set; }

    public int SensorTotal { get; private set; }

    public int NamesLength { get; private set; }

    public ReadOnlySpan<byte> NameOf(in Sensor sensor) => Names.AsSpan(sensor.NameOffset, sensor.NameLength);

    public readonly record struct Sensor(int NameOffset, int NameLength, long Value);

    /// <summary>Parses and checks a body. Returns the request, or the refusal that says what is wrong (400, 413, 422).</summary>
    public static (ReadingsRequest? Request, Refusal? Refusal) Parse(ReadOnlySpan<byte> body, in ReadingLimits limits)
    {
        // The smallest reading, {"seq":1,"ts":1,"status":"idle","produced":0,"rejected":0}, takes 58 bytes.
        var capacity = (int)Math.Min(limits.MaxReadings + 1L, body.Length / 58 + 1);
        var request = new ReadingsRequest(capacity);
        var errors = new Errors();
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 8 });
            if (request.ReadRoot(ref reader, limits, errors) is { } refusal) return (null, refusal);
            if (reader.Read()) return (null, Refusal.Malformed("", "Nothing may follow the request object."));
        }
        catch (JsonException ex)
        {
            return (null, Refusal.Malformed("", $"The body is not valid JSON: {ex.Message}"));
        }
        if (errors.Any) return (null, errors.ToRefusal());
        request.SortSensors(errors);
        request.CheckDistinctSeqs(errors);
        return errors.Any ? (null, errors.ToRefusal()) : (request, null);
    }

    private Refusal? ReadRoot(ref Utf8JsonReader reader, in ReadingLimits limits, Errors errors)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            return Refusal.Malformed("", "The body is a JSON object {\"machineId\", \"readings\", \"signature\"}.");
        bool machineSeen = false, readingsSeen = false, signatureSeen = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("machineId"u8) && !machineSeen)
            {
                machineSeen = true;
                reader.Read();
                if (reader.TokenType != JsonTokenType.String || !reader.TryGetGuid(out var machineId) || machineId == Guid.Empty)
                    return Refusal.Malformed("machineId", "The machine id is a UUID string (8-4-4-4-12 hex digits).");
                MachineId = machineId;
            }
            else if (reader.ValueTextEquals("signature"u8) && !signatureSeen)
            {
                signatureSeen = true;
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null) continue;
                if (reader.TokenType != JsonTokenType.String) return Refusal.Malformed("signature", "The signature is a 0x-prefixed hex string of 65 bytes.");
                Signature = reader.GetString();
            }
            else if (reader.ValueTextEquals("readings"u8) && !readingsSeen)
            {
                readingsSeen = true;
                if (ReadReadings(ref reader, limits, errors) is { } refusal) return refusal;
            }
            else
            {
                return Refusal.Malformed(reader.GetString() ?? "", "Unknown or repeated property: the body has machineId, readings and signature only.");
            }
        }
        if (!machineSeen) return Refusal.Malformed("machineId", "The machine id is required.");
        if (!readingsSeen) return Refusal.Malformed("readings", "The readings are required.");
        return null;
    }

    private Refusal? ReadReadings(ref Utf8JsonReader reader, in ReadingLimits limits, Errors errors)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray) return Refusal.Malformed("readings", "The readings are an array of reading objects.");
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (Count == limits.MaxReadings)
                return Refusal.TooLarge($"A request carries at most {limits.MaxReadings} readings; split the batch.");
            if (reader.TokenType != JsonTokenType.StartObject) return Refusal.Malformed($"readings[{Count}]", "Each reading is a JSON object.");
            if (ReadReading(ref reader, Count, limits, errors) is { } refusal) return refusal;
            Count++;
        }
        return Count == 0 ? Refusal.Malformed("readings", "A request carries at least one reading.") : null;
    }

    [Flags]
    private enum Fields
    {
        None = 0,
        Seq = 1,
        Ts = 2,
        Status = 4,
        Produced = 8,
        Rejected = 16,
        Sensors = 32,
        Required = Seq | Ts | Status | Produced | Rejected,
    }

    private Refusal? ReadReading(ref Utf8JsonReader reader, int i, in ReadingLimits limits, Errors errors)
    {
        var seen = Fields.None;
        SensorStart[i] = SensorTotal;
        SensorCount[i] = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = reader.ValueTextEquals("seq"u8) ? Fields.Seq
                : reader.ValueTextEquals("ts"u8) ? Fields.Ts
                : reader.ValueTextEquals("status"u8) ? Fields.Status
                : reader.ValueTextEquals("produced"u8) ? Fields.Produced
                : reader.ValueTextEquals("rejected"u8) ? Fields.Rejected
                : reader.ValueTextEquals("sensors"u8) ? Fields.Sensors
                : Fields.None;
            if (field == Fields.None || (seen & field) != 0)
                return Refusal.Malformed($"readings[{i}].{reader.GetString()}", "Unknown or repeated property: a reading has seq, ts, status, produced, rejected and sensors.");
            seen |= field;
            reader.Read();
            switch (field)
            {
                case Fields.Status:
                    if (reader.TokenType != JsonTokenType.String || !TryReadStatus(ref reader, out Status[i]))
                        return Refusal.Malformed($"readings[{i}].status", "The status is one of idle, running, malfunctioning, maintenance.");
                    break;
                case Fields.Sensors:
                    if (ReadSensors(ref reader, i, errors) is { } refusal) return refusal;
                    break;
                default:
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value))
                        return Refusal.Malformed($"readings[{i}].{Name(field)}", "An integer is required (no fraction, no exponent, within 64 bits).");
                    if (field == Fields.Seq) Seq[i] = value;
                    else if (field == Fields.Ts) Timestamp[i] = value;
                    else if (field == Fields.Produced) Produced[i] = value;
                    else Rejected[i] = value;
                    break;
            }
        }
        if ((seen & Fields.Required) != Fields.Required)
        {
            var missing = Fields.Required & ~seen;
            return Refusal.Malformed($"readings[{i}]", $"Missing: {missing}. A reading has seq, ts, status, produced, rejected (and optionally sensors).");
        }
        CheckRanges(i, limits, errors);
        return null;
    }

    private static string Name(Fields field) => field switch
    {
        Fields.Seq => "seq",
        Fields.Ts => "ts",
        Fields.Produced => "produced",
        _ => "rejected",
    };

    private static bool TryReadStatus(ref Utf8JsonReader reader, out ReadingStatus status)
    {
        status = reader.ValueTextEquals("running"u8) ? ReadingStatus.Running
            : reader.ValueTextEquals("idle"u8) ? ReadingStatus.Idle
            : reader.ValueTextEquals("malfunctioning"u8) ? ReadingStatus.Malfunctioning
            : reader.ValueTextEquals("maintenance"u8) ? ReadingStatus.Maintenance
            : (ReadingStatus)(-1);
        return status >= 0;
    }

    private Refusal? ReadSensors(ref Utf8JsonReader reader, int i, Errors errors)
    {
        if (reader.TokenType != JsonTokenType.StartObject) return Refusal.Malformed($"readings[{i}].sensors", "The sensors are an object of name → integer.");
        Span<byte> name = stackalloc byte[64];
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // Escaped text is never shorter than the name it encodes, so an overlong value is an invalid name either way.
            var length = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
            var written = length <= name.Length ? reader.CopyString(name) : -1;
            var valid = written > 0 && IsValidSensorName(name[..written]);
            if (!valid) errors.Add(i, "sensors", "Sensor names are 1-32 characters: a lower-case letter, then lower-case letters, digits or '_'.");
            reader.Read();
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value))
                return Refusal.Malformed($"readings[{i}].sensors", "Sensor values are integers in fixed units (no fraction, no exponent).");
            SensorCount[i]++;
            if (valid) AddSensor(name[..written], value);
        }
        return null;
    }

    private void AddSensor(ReadOnlySpan<byte> name, long value)
    {
        if (SensorTotal == Sensors.Length) Sensors = Grow(Sensors);
        if (NamesLength + name.Length > Names.Length) Names = Grow(Names, NamesLength + name.Length);
        name.CopyTo(Names.AsSpan(NamesLength));
        Sensors[SensorTotal++] = new Sensor(NamesLength, name.Length, value);
        NamesLength += name.Length;
    }

    private static T[] Grow<T>(T[] array, int atLeast = 0)
    {
        var grown = new T[Math.Max(array.Length * 2, atLeast)];
        array.CopyTo(grown, 0);
        return grown;
    }
}
