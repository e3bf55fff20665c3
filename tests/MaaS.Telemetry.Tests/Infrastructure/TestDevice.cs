using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MaaS.OffChain.Telemetry;
using Nethereum.Signer;

namespace MaaS.Telemetry.Tests.Infrastructure;

/// <summary>
/// An IoT box: a real secp256k1 key, and requests built the way a device builds them — each reading's canonical bytes from
/// the reference encoder (<see cref="Reading.Canonical"/>), the signed bytes from <see cref="ReadingBatchEncoding.SignedBytes"/>,
/// an EIP-191 signature from Nethereum.
/// </summary>
public sealed class TestDevice(Guid machineId)
{
    public Guid MachineId { get; } = machineId;

    public EthECKey Key { get; } = EthECKey.GenerateKey();

    public string Address => Key.GetPublicAddress().ToLowerInvariant();

    public static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public Reading Reading(long seq, ReadingStatus status = ReadingStatus.Running, long produced = 3, long rejected = 0, long? ts = null,
        IReadOnlyDictionary<string, long>? sensors = null) =>
        new(MachineId, seq, ts ?? NowMs, status, produced, rejected, sensors ?? new Dictionary<string, long> { ["temp_mc"] = 21_500 + seq, ["rpm"] = 1_200 });

    public IReadOnlyList<Reading> Readings(long fromSeq, int count, ReadingStatus status = ReadingStatus.Running) =>
        [.. Enumerable.Range(0, count).Select(i => Reading(fromSeq + i, status, ts: NowMs - (count - i)))];

    public static byte[] SignedBytes(Guid machineId, IEnumerable<Reading> readings) =>
        ReadingBatchEncoding.SignedBytes(machineId, [.. readings.Select(r => r.Canonical())]);

    public string Sign(IEnumerable<Reading> readings, EthECKey? key = null) => new EthereumMessageSigner().Sign(SignedBytes(MachineId, readings), key ?? Key);

    /// <summary>The request body as JSON, signed unless told otherwise; <paramref name="edit"/> may change it after signing.</summary>
    public string Body(IEnumerable<Reading> readings, EthECKey? signer = null, bool sign = true, Action<JsonObject>? edit = null)
    {
        var list = readings.ToList();
        var body = new JsonObject
        {
            ["machineId"] = MachineId.ToString(),
            ["readings"] = new JsonArray([.. list.Select(ToJson)]),
        };
        if (sign) body["signature"] = Sign(list, signer);
        edit?.Invoke(body);
        return body.ToJsonString();
    }

    public static JsonNode ToJson(Reading r) => new JsonObject
    {
        ["seq"] = r.Seq,
        ["ts"] = r.Timestamp,
        ["status"] = OffChain.Telemetry.Reading.StatusName(r.Status),
        ["produced"] = r.Produced,
        ["rejected"] = r.Rejected,
        ["sensors"] = new JsonObject([.. r.Sensors.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)JsonValue.Create(s.Value)))]),
    };

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    public static string Lines(IEnumerable<Reading> readings) => Encoding.UTF8.GetString(ReadingBatchEncoding.JoinLines(readings.Select(r => r.Canonical())));

    public static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
