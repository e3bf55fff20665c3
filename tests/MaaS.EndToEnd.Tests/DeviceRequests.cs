using System.Text.Json.Nodes;
using MaaS.OffChain.Telemetry;
using Nethereum.Signer;

namespace MaaS.EndToEnd.Tests;

/// <summary>A readings request as a machine's IoT box sends it: EIP-191 over the canonical bytes of its readings.</summary>
public static class DeviceRequests
{
    public static string Body(Guid machineId, IReadOnlyList<Reading> readings, EthECKey device)
    {
        var signed = ReadingBatchEncoding.SignedBytes(machineId, [.. readings.Select(r => r.Canonical())]);
        return new JsonObject
        {
            ["machineId"] = machineId.ToString(),
            ["readings"] = new JsonArray([.. readings.Select(r => (JsonNode)new JsonObject
            {
                ["seq"] = r.Seq, ["ts"] = r.Timestamp, ["status"] = Reading.StatusName(r.Status), ["produced"] = r.Produced, ["rejected"] = r.Rejected,
                ["sensors"] = new JsonObject([.. r.Sensors.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)JsonValue.Create(s.Value)))]),
            })]),
            ["signature"] = new EthereumMessageSigner().Sign(signed, device),
        }.ToJsonString();
    }
}
