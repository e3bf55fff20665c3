using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using MaaS.OffChain.Telemetry;
using MaaS.Telemetry.Tests.Infrastructure;
using Nethereum.Signer;
using Shouldly;

namespace MaaS.Telemetry.Tests;

public sealed class IngestEnvironment : TelemetryEnvironment
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Telemetry:MaxReadingsPerRequest"] = "50",
        ["Telemetry:MaxRequestBytes"] = "20000",
        ["Telemetry:MaxReadingAge"] = "01:00:00",
    };
}

[Trait("Category", "Integration")]
public sealed class IngestTests(IngestEnvironment environment) : IClassFixture<IngestEnvironment>
{
    [Fact]
    public async Task Ingest_SignedBatch_Is202_AndStoresTheCanonicalBytes()
    {
        var device = await environment.RegisterMachineAsync();
        var readings = device.Readings(1, 5);

        var accepted = await environment.PostAcceptedAsync(device.Body(readings));

        accepted.GetProperty("received").GetInt32().ShouldBe(5);
        accepted.GetProperty("stored").GetInt32().ShouldBe(5);
        accepted.GetProperty("duplicates").GetInt32().ShouldBe(0);
        var stored = await environment.AllReadingsAsync(device);
        stored.Select(r => r.GetRawText()).ShouldBe(readings.Select(r => System.Text.Encoding.UTF8.GetString(r.Canonical())));
        var status = await environment.StatusAsync(device);
        status.GetProperty("readingCount").GetInt64().ShouldBe(5);
        status.GetProperty("lastSeq").GetInt64().ShouldBe(5);
        status.GetProperty("status").GetString().ShouldBe("running");
    }

    [Fact]
    public async Task OpenApiDocument_ShowsTheSignedExampleRequest()
    {
        using var client = environment.Host.CreateHttpClient();
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;
        var example = document["paths"]!["/api/telemetry/readings"]!["post"]!["requestBody"]!["content"]!["application/json"]!["example"];
        example.ShouldNotBeNull();
        JsonNode.DeepEquals(example, JsonNode.Parse(MaaS.Telemetry.Ingesting.IngestExample.Json)).ShouldBeTrue(example.ToJsonString());
    }

    [Fact]
    public async Task Ingest_RetriedAndOverlappingRequests_StoreEachReadingOnce()
    {
        var device = await environment.RegisterMachineAsync();
        var first = device.Readings(1, 10);
        (await environment.PostAcceptedAsync(device.Body(first))).GetProperty("stored").GetInt32().ShouldBe(10);

        var retried = await environment.PostAcceptedAsync(device.Body(first));
        retried.GetProperty("stored").GetInt32().ShouldBe(0);
        retried.GetProperty("duplicates").GetInt32().ShouldBe(10);

        var overlapping = first.Skip(5).Concat(device.Readings(11, 5)).ToList();
        var answer = await environment.PostAcceptedAsync(device.Body(overlapping));
        answer.GetProperty("stored").GetInt32().ShouldBe(5);
        answer.GetProperty("duplicates").GetInt32().ShouldBe(5);

        var stored = await environment.AllReadingsAsync(device);
        stored.Select(r => r.GetProperty("seq").GetInt64()).ShouldBe(Enumerable.Range(1, 15).Select(i => (long)i));
        (await environment.StatusAsync(device)).GetProperty("readingCount").GetInt64().ShouldBe(15);
    }

    [Fact]
    public async Task Ingest_ConcurrentDuplicates_StoreEachReadingOnce()
    {
        var device = await environment.RegisterMachineAsync();
        var body = device.Body(device.Readings(1, 20));
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => environment.PostAcceptedAsync(body)));
        answers.Sum(a => a.GetProperty("stored").GetInt32()).ShouldBe(20);
        (await environment.StatusAsync(device)).GetProperty("readingCount").GetInt64().ShouldBe(20);
    }

    public sealed record Case(string Name, HttpStatusCode Status, string ProblemType, Func<TestDevice, string> Body)
    {
        public override string ToString() => Name;
    }

    private static Reading R(TestDevice d, long seq = 1, long? ts = null, long produced = 3, long rejected = 0, Dictionary<string, long>? sensors = null,
        ReadingStatus status = ReadingStatus.Running) => d.Reading(seq, status, produced, rejected, ts, sensors);

    private static Dictionary<string, long> Sensors(int count) => Enumerable.Range(0, count).ToDictionary(i => $"s{i}", i => (long)i);

    public static TheoryData<Case> Refusals =>
    [
        new("unsigned", HttpStatusCode.Unauthorized, "signature-invalid", d => d.Body([R(d)], sign: false)),
        new("signed by another key", HttpStatusCode.Unauthorized, "signature-invalid", d => d.Body([R(d)], signer: EthECKey.GenerateKey())),
        new("tampered after signing", HttpStatusCode.Unauthorized, "signature-invalid", d => d.Body([R(d)], edit: b => b["readings"]![0]!["produced"] = 4)),
        new("signature of other readings", HttpStatusCode.Unauthorized, "signature-invalid", d => d.Body([R(d)], edit: b => b["signature"] = d.Sign([R(d, seq: 2)]))),
        new("malformed signature", HttpStatusCode.Unauthorized, "signature-invalid", d => d.Body([R(d)], edit: b => b["signature"] = "0x1234")),
        new("not JSON", HttpStatusCode.BadRequest, "validation", _ => "{\"machineId\": nope"),
        new("trailing garbage", HttpStatusCode.BadRequest, "validation", d => d.Body([R(d)]) + "x"),
        new("no readings", HttpStatusCode.BadRequest, "validation", d => d.Body([R(d)], edit: b => b["readings"] = new JsonArray())),
        new("bad machine id", HttpStatusCode.BadRequest, "validation", d => d.Body([R(d)], edit: b => b["machineId"] = "machine-1")),
        new("fractional count", HttpStatusCode.BadRequest, "validation", d => d.Body([R(d)], edit: b => b["readings"]![0]!["produced"] = 1.5)),
        new("count as string", HttpStatusCode.BadRequest, "validation", d => d.Body([R(d)], edit: b => b["readings"]![0]!["seq"] = "1")),
        new("unknown status", HttpStatusCode.BadRequest, "validation", d => d.Body([R(d)], edit: b => b["readings"]![0]!["status"] = "sleeping")),
        new("missing ts", HttpStatusCode.BadRequest, "validation", d => d.Body([R(d)], edit: b => b["readings"]![0]!.AsObject().Remove("ts"))),
        new("unknown property", HttpStatusCode.BadRequest, "validation", d => d.Body([R(d)], edit: b => b["readings"]![0]!["speed"] = 3)),
        new("fractional sensor", HttpStatusCode.BadRequest, "validation", d => d.Body([R(d)], edit: b => b["readings"]![0]!["sensors"]!["rpm"] = 0.5)),
        new("seq zero", HttpStatusCode.UnprocessableEntity, "reading-out-of-range", d => d.Body([R(d, seq: 0)])),
        new("ts ten minutes ahead", HttpStatusCode.UnprocessableEntity, "reading-out-of-range", d => d.Body([R(d, ts: TestDevice.NowMs + 600_000)])),
        new("ts older than the window", HttpStatusCode.UnprocessableEntity, "reading-out-of-range", d => d.Body([R(d, ts: TestDevice.NowMs - 7_200_000)])),
        new("ts in seconds", HttpStatusCode.UnprocessableEntity, "reading-out-of-range", d => d.Body([R(d, ts: TestDevice.NowMs / 1000)])),
        new("negative produced", HttpStatusCode.UnprocessableEntity, "reading-out-of-range", d => d.Body([R(d, produced: -1)])),
        new("rejected above produced", HttpStatusCode.UnprocessableEntity, "reading-out-of-range", d => d.Body([R(d, produced: 2, rejected: 3)])),
        new("33 sensors", HttpStatusCode.UnprocessableEntity, "reading-out-of-range", d => d.Body([R(d, sensors: Sensors(33))])),
        new("sensor name with capitals", HttpStatusCode.UnprocessableEntity, "reading-out-of-range", d => d.Body([R(d, sensors: new() { ["Temp"] = 1 })])),
        new("sensor name too long", HttpStatusCode.UnprocessableEntity, "reading-out-of-range", d => d.Body([R(d, sensors: new() { [new string('a', 33)] = 1 })])),
        new("same seq twice", HttpStatusCode.UnprocessableEntity, "reading-out-of-range", d => d.Body([R(d, seq: 4), R(d, seq: 4)])),
        new("one bad reading among good ones", HttpStatusCode.UnprocessableEntity, "reading-out-of-range",
            d => d.Body([R(d, seq: 1), R(d, seq: 2), R(d, seq: 3, produced: 1, rejected: 2), R(d, seq: 4)])),
        new("more readings than allowed", HttpStatusCode.RequestEntityTooLarge, "too-large", d => d.Body(d.Readings(1, 51))),
        new("body larger than allowed", HttpStatusCode.RequestEntityTooLarge, "too-large", d => d.Body([R(d, sensors: Sensors(32))], edit: b => b["pad"] = new string(' ', 20_000))),
    ];

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Ingest_Refused_IsAProblem_AndStoresNothing(Case refusal)
    {
        var device = await environment.RegisterMachineAsync();

        var (status, problem) = await environment.PostAsync(refusal.Body(device));

        status.ShouldBe(refusal.Status, problem.ToString());
        problem.GetProperty("status").GetInt32().ShouldBe((int)refusal.Status);
        problem.GetProperty("type").GetString().ShouldEndWith("/" + refusal.ProblemType);
        problem.GetProperty("traceId").GetString().ShouldNotBeNullOrEmpty();
        await ShouldHaveStoredNothingAsync(device);
    }

    [Fact]
    public async Task Ingest_OutOfRange_NamesEveryBadField()
    {
        var device = await environment.RegisterMachineAsync();
        var (status, problem) = await environment.PostAsync(device.Body([R(device, seq: 1, produced: -1), R(device, seq: 0)]));
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var errors = problem.GetProperty("errors");
        errors.GetProperty("readings[0].produced").GetArrayLength().ShouldBe(1);
        errors.GetProperty("readings[1].seq").GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task Ingest_UnknownMachine_Is404()
    {
        var stranger = new TestDevice(Guid.CreateVersion7());
        var (status, problem) = await environment.PostAsync(stranger.Body([R(stranger)]));
        status.ShouldBe(HttpStatusCode.NotFound);
        problem.GetProperty("type").GetString().ShouldEndWith("/not-found");
    }

    [Fact]
    public async Task Ingest_MachineNotExecuting_Is409_AndStoresNothing()
    {
        var registered = await environment.RegisterMachineAsync(start: false);
        var (status, problem) = await environment.PostAsync(registered.Body([R(registered)]));
        status.ShouldBe(HttpStatusCode.Conflict);
        problem.GetProperty("type").GetString().ShouldEndWith("/machine-not-executing");
        await ShouldHaveStoredNothingAsync(registered);

        var stopped = await environment.RegisterMachineAsync();
        await environment.PublishAsync(new MaaS.Contracts.Machines.MachineStopped(stopped.MachineId, "0xstop", environment.NextBlock(), DateTimeOffset.UtcNow));
        await environment.WaitForStatusAsync(stopped, s => !s.GetProperty("executing").GetBoolean(), "stopped");
        (await environment.PostAsync(stopped.Body([R(stopped)]))).Status.ShouldBe(HttpStatusCode.Conflict);
        await ShouldHaveStoredNothingAsync(stopped);
    }

    [Fact]
    public async Task Ingest_AfterTheDeviceChanged_TakesOnlyTheNewKey()
    {
        var device = await environment.RegisterMachineAsync();
        var replacement = new TestDevice(device.MachineId);
        await environment.PublishAsync(new MaaS.Contracts.Machines.MachineDeviceChanged(device.MachineId, replacement.Address, "0xdevice", environment.NextBlock(), DateTimeOffset.UtcNow));
        await environment.WaitForStatusAsync(device, s => s.GetProperty("device").GetString() == replacement.Address, "re-keyed");

        (await environment.PostAsync(device.Body([R(device)]))).Status.ShouldBe(HttpStatusCode.Unauthorized);
        (await environment.PostAsync(replacement.Body([R(replacement)]))).Status.ShouldBe(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task Ingest_SignatureFromPublicTools_IsTheOneDocumented()
    {
        // docs/telemetry.md: the device signs SignedBytes with personal_sign; the server rebuilds the same bytes from the JSON.
        var device = await environment.RegisterMachineAsync();
        var reading = R(device, sensors: new() { ["temp_mc"] = 21_500, ["b"] = -1 });
        var signed = System.Text.Encoding.UTF8.GetString(TestDevice.SignedBytes(device.MachineId, [reading]));
        signed.ShouldBe($$$"""{"machine":"{{{device.MachineId}}}","readings":[{"machine":"{{{device.MachineId}}}","seq":1,"ts":{{{reading.Timestamp}}},"status":"running","produced":3,"rejected":0,"sensors":{"b":-1,"temp_mc":21500}}]}""");
        var signature = new EthereumMessageSigner().EncodeUTF8AndSign(signed, device.Key);
        (await environment.PostAsync(device.Body([reading], edit: b => b["signature"] = signature))).Status.ShouldBe(HttpStatusCode.Accepted);
    }

    private async Task ShouldHaveStoredNothingAsync(TestDevice device)
    {
        var status = await environment.StatusAsync(device);
        status.GetProperty("readingCount").GetInt64().ShouldBe(0);
        status.GetProperty("lastReading").ValueKind.ShouldBe(JsonValueKind.Null);
        (await environment.AllReadingsAsync(device)).ShouldBeEmpty();
    }
}
