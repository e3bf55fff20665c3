using System.Buffers;
using System.Buffers.Text;
using MaaS.OffChain.Telemetry;

namespace MaaS.Telemetry.Ingesting;

/// <summary>
/// The bytes a device signed for a request, <see cref="ReadingBatchEncoding.SignedBytes"/>, rebuilt from the parsed
/// request in one pooled buffer; each reading's canonical bytes (<see cref="Reading.Canonical"/>) are a slice of it, so
/// they are encoded exactly once and what is stored is exactly what was verified. Tests hold this encoder to the
/// reference one byte for byte.
/// </summary>
internal sealed class SignedReadings : IDisposable
{
    private byte[] buffer;

    private SignedReadings(byte[] buffer, int count)
    {
        this.buffer = buffer;
        Offsets = new int[count];
        Lengths = new int[count];
    }

    public int Length { get; private set; }

    public int[] Offsets { get; }

    public int[] Lengths { get; }

    public ReadOnlySpan<byte> Bytes => buffer.AsSpan(0, Length);

    public ReadOnlyMemory<byte> Canonical(int reading) => buffer.AsMemory(Offsets[reading], Lengths[reading]);

    public static SignedReadings Encode(ReadingsRequest request)
    {
        // Fixed text and three 20-digit numbers per reading, name + 24 per sensor; exact enough to never overflow.
        var capacity = 64 + request.Count * 210 + request.SensorTotal * 24 + request.NamesLength;
        var encoded = new SignedReadings(ArrayPool<byte>.Shared.Rent(capacity), request.Count);
        var output = encoded.buffer.AsSpan();
        Span<byte> machine = stackalloc byte[36];
        request.MachineId.TryFormat(machine, out _, "D");

        var at = 0;
        Write(output, ref at, "{\"machine\":\""u8);
        Write(output, ref at, machine);
        Write(output, ref at, "\",\"readings\":["u8);
        for (var i = 0; i < request.Count; i++)
        {
            if (i > 0) output[at++] = (byte)',';
            encoded.Offsets[i] = at;
            Write(output, ref at, "{\"machine\":\""u8);
            Write(output, ref at, machine);
            Write(output, ref at, "\",\"seq\":"u8);
            WriteNumber(output, ref at, request.Seq[i]);
            Write(output, ref at, ",\"ts\":"u8);
            WriteNumber(output, ref at, request.Timestamp[i]);
            Write(output, ref at, ",\"status\":\""u8);
            Write(output, ref at, StatusName(request.Status[i]));
            Write(output, ref at, "\",\"produced\":"u8);
            WriteNumber(output, ref at, request.Produced[i]);
            Write(output, ref at, ",\"rejected\":"u8);
            WriteNumber(output, ref at, request.Rejected[i]);
            Write(output, ref at, ",\"sensors\":{"u8);
            var sensors = request.Sensors.AsSpan(request.SensorStart[i], request.SensorCount[i]);
            for (var j = 0; j < sensors.Length; j++)
            {
                if (j > 0) output[at++] = (byte)',';
                output[at++] = (byte)'"';
                Write(output, ref at, request.NameOf(sensors[j]));
                Write(output, ref at, "\":"u8);
                WriteNumber(output, ref at, sensors[j].Value);
            }
            Write(output, ref at, "}}"u8);
            encoded.Lengths[i] = at - encoded.Offsets[i];
        }
        Write(output, ref at, "]}"u8);
        encoded.Length = at;
        return encoded;
    }

    private static ReadOnlySpan<byte> StatusName(ReadingStatus status) => status switch
    {
        ReadingStatus.Idle => "idle"u8,
        ReadingStatus.Running => "running"u8,
        ReadingStatus.Malfunctioning => "malfunctioning"u8,
        _ => "maintenance"u8,
    };

    private static void Write(Span<byte> output, ref int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output[at..]);
        at += bytes.Length;
    }

    private static void WriteNumber(Span<byte> output, ref int at, long value)
    {
        Utf8Formatter.TryFormat(value, output[at..], out var written);
        at += written;
    }

    public void Dispose()
    {
        if (buffer.Length == 0) return;
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = [];
    }
}
