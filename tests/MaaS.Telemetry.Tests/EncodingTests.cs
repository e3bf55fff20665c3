using System.Text;
using MaaS.OffChain.Telemetry;
using MaaS.Telemetry.Ingesting;
using MaaS.Telemetry.Tests.Infrastructure;
using Nethereum.Signer;
using Shouldly;

namespace MaaS.Telemetry.Tests;

/// <summary>The server's fast parser, encoder and signature check against the reference implementations, without servers.</summary>
public sealed class EncodingTests
{
    private static readonly ReadingLimits Limits = new(5_000, 0, long.MaxValue);

    public static TheoryData<int> Seeds => [1, 2, 3, 4, 5, 6, 7, 8];

    private static Reading RandomReading(Random random, Guid machine, long seq)
    {
        var sensors = new Dictionary<string, long>();
        var count = random.Next(0, Reading.MaxSensors + 1);
        while (sensors.Count < count)
        {
            var length = random.Next(1, 33);
            var name = new StringBuilder().Append((char)('a' + random.Next(26)));
            while (name.Length < length) name.Append("abcdefghijklmnopqrstuvwxyz0123456789_"[random.Next(37)]);
            sensors[name.ToString()] = random.Next(3) switch { 0 => long.MinValue + random.Next(), 1 => long.MaxValue - random.Next(), _ => random.Next(-1_000_000, 1_000_000) };
        }
        var produced = random.NextInt64(0, long.MaxValue);
        return new Reading(machine, seq, random.NextInt64(0, long.MaxValue), (ReadingStatus)random.Next(4), produced, random.NextInt64(0, produced + 1), sensors);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void ParsedAndEncodedRequest_IsByteForByteTheReferenceEncoding(int seed)
    {
        var random = new Random(seed);
        var device = new TestDevice(Guid.NewGuid());
        var readings = Enumerable.Range(0, random.Next(1, 300)).Select(i => RandomReading(random, device.MachineId, 1 + i * 7L)).Reverse().ToList();
        var body = Encoding.UTF8.GetBytes(device.Body(readings));

        var (request, refusal) = ReadingsRequest.Parse(body, Limits);
        refusal.ShouldBeNull();
        using var signed = SignedReadings.Encode(request!);

        signed.Bytes.ToArray().ShouldBe(TestDevice.SignedBytes(device.MachineId, readings));
        for (var i = 0; i < readings.Count; i++) signed.Canonical(i).ToArray().ShouldBe(readings[i].Canonical());
        request!.BySeq.Select(i => request.Seq[i]).ShouldBe(readings.Select(r => r.Seq).Order());
    }

    [Fact]
    public void EscapedSensorNames_AreUnescapedBeforeEncoding()
    {
        var machine = Guid.NewGuid();
        var body = $$$"""{"machineId":"{{{machine}}}","readings":[{"seq":1,"ts":5,"status":"idle","produced":0,"rejected":0,"sensors":{"\u0074emp":-3,"a_1":7}}]}""";
        var (request, refusal) = ReadingsRequest.Parse(Encoding.UTF8.GetBytes(body), Limits);
        refusal.ShouldBeNull();
        using var signed = SignedReadings.Encode(request!);
        signed.Canonical(0).ToArray().ShouldBe(new Reading(machine, 1, 5, ReadingStatus.Idle, 0, 0, new Dictionary<string, long> { ["temp"] = -3, ["a_1"] = 7 }).Canonical());
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void DeviceSignature_RecoversWhatNethereumRecovers(int seed)
    {
        var random = new Random(seed);
        var message = new byte[random.Next(0, 300_000)];
        random.NextBytes(message);
        var key = EthECKey.GenerateKey();
        var signature = new EthereumMessageSigner().Sign(message, key);

        DeviceSignature.Recover(message, signature).ShouldBe(new EthereumMessageSigner().EcRecover(message, signature).ToLowerInvariant());
        DeviceSignature.Recover(message, signature).ShouldBe(key.GetPublicAddress().ToLowerInvariant());
        if (message.Length > 0)
        {
            message[random.Next(message.Length)] ^= 1;
            DeviceSignature.Recover(message, signature).ShouldNotBe(key.GetPublicAddress().ToLowerInvariant());
        }
    }

    /// <summary>
    /// The example in docs/telemetry.md and in the OpenAPI document (<see cref="IngestExample"/>), signed with
    /// <c>cast wallet sign</c> by anvil's first test key.
    /// </summary>
    [Fact]
    public void DocumentedExample_SignedWithCast_Verifies()
    {
        var (request, refusal) = ReadingsRequest.Parse(Encoding.UTF8.GetBytes(IngestExample.Json), Limits);
        refusal.ShouldBeNull();
        using var signed = SignedReadings.Encode(request!);
        Encoding.UTF8.GetString(signed.Bytes).ShouldBe(DocumentedSignedBytes);
        DeviceSignature.Recover(signed.Bytes, request!.Signature).ShouldBe(IngestExample.Signer);
        IngestExample.Signer.ShouldBe("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
    }

    public const string DocumentedSignedBytes =
        """{"machine":"0193a6f0-0000-7000-8000-000000000001","readings":[{"machine":"0193a6f0-0000-7000-8000-000000000001","seq":2,"ts":1764158410000,"status":"running","produced":4,"rejected":1,"sensors":{"rpm":1210,"temp_mc":21620}},{"machine":"0193a6f0-0000-7000-8000-000000000001","seq":1,"ts":1764158400000,"status":"running","produced":3,"rejected":0,"sensors":{"rpm":1200,"temp_mc":21500}}]}""";

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0x1234")]
    [InlineData("not hex at all, but exactly one hundred and thirty-two characters long so that only the hex check can catch it.........")]
    public void DeviceSignature_Malformed_RecoversNothing(string? signature) => DeviceSignature.Recover("{}"u8, signature).ShouldBeNull();
}
