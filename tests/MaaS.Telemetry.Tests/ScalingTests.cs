using System.Collections.Concurrent;
using System.Net;
using MaaS.Gateway;
using MaaS.OffChain.Telemetry;
using MaaS.Telemetry.Tests.Infrastructure;
using MaaS.Testing;
using Shouldly;
using Xunit.Abstractions;

namespace MaaS.Telemetry.Tests;

/// <summary>Two Telemetry instances on fixed ports behind the gateway (two destinations of the <c>telemetry</c> cluster).</summary>
public sealed class ScalingEnvironment : TelemetryEnvironment
{
    private readonly int[] ports = [PinnedPortHost.FreePort(), PinnedPortHost.FreePort()];

    public PinnedPortHost[] Instances { get; } = new PinnedPortHost[2];

    public ServiceHost<GatewayApi> Gateway { get; private set; } = null!;

    public HttpClient ThroughGateway { get; private set; } = null!;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Telemetry:Sealing:MaxReadings"] = "40",
        ["Telemetry:Sealing:MaxAge"] = "00:00:01",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Task.WhenAll(Enumerable.Range(0, 2).Select(i => Task.Run(() => StartInstance(i))));
        var gateway = new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning", ["Identity:SigningKey"] = Environment.Identity.SigningKey };
        for (var i = 0; i < 2; i++) gateway[$"ReverseProxy:Clusters:telemetry:Destinations:d{i + 1}:Address"] = Instances[i].Address.ToString();
        Gateway = new ServiceHost<GatewayApi>(gateway);
        ThroughGateway = Gateway.CreateHttpClient();
    }

    public void StartInstance(int i)
    {
        Instances[i] = new PinnedPortHost(HostSettings(), ports[i]);
        Instances[i].Start();
    }

    public async Task RestartInstanceAsync(int i, TimeSpan down)
    {
        await Instances[i].DisposeAsync();
        await Task.Delay(down);
        await Task.Run(() => StartInstance(i));
    }

    public override async Task DisposeAsync()
    {
        ThroughGateway.Dispose();
        await Gateway.DisposeAsync();
        foreach (var instance in Instances) await instance.DisposeAsync();
        await base.DisposeAsync();
    }

    private int retries;

    public int Retries => Volatile.Read(ref retries);

    /// <summary>Posts like a device that keeps its unacknowledged batch and retries it until a 202 (or a refusal, which fails the test).</summary>
    public async Task<int> PostUntilAcceptedAsync(string body)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var (status, json) = await PostAsync(body, ThroughGateway);
                if (status == HttpStatusCode.Accepted) return attempt;
                if ((int)status < 500 || attempt > 200) throw new InvalidOperationException($"refused with {(int)status}: {json}");
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && attempt <= 200)
            {
                // The instance went away mid-request: the device does not know whether it was stored, so it sends it again.
            }
            Interlocked.Increment(ref retries);
            await Task.Delay(50);
        }
    }
}

[Trait("Category", "Integration")]
public sealed class ScalingTests(ScalingEnvironment environment, ITestOutputHelper output) : IClassFixture<ScalingEnvironment>
{
    private const int Machines = 6;
    private const int Requests = 15;
    private const int PerRequest = 20;

    [Fact]
    public async Task TwoInstancesBehindTheGateway_ShareIngestAndSealing_NothingLostNorDuplicated()
    {
        var before = environment.Instances.Select(i => i.Accepted).ToArray();
        var devices = await Task.WhenAll(Enumerable.Range(0, Machines).Select(_ => environment.RegisterMachineAsync()));

        var sent = await StreamAsync(devices, Requests, during: null);

        environment.Instances.Select((instance, i) => instance.Accepted - before[i]).ShouldAllBe(n => n > Machines * Requests / 4, "both instances took requests");
        await ShouldBeSealedExactlyOnceAsync(devices, sent, allowRedelivery: false);
    }

    [Fact]
    public async Task RestartingTheInstancesInTheMiddleOfAStream_LosesAndDuplicatesNothing()
    {
        var devices = await Task.WhenAll(Enumerable.Range(0, Machines).Select(_ => environment.RegisterMachineAsync()));

        var retriesBefore = environment.Retries;
        var sent = await StreamAsync(devices, Requests * 2, during: async progress =>
        {
            await progress(Requests / 2);
            await environment.RestartInstanceAsync(0, TimeSpan.FromSeconds(1));
            await progress(Requests);
            await environment.RestartInstanceAsync(1, TimeSpan.FromSeconds(1));
        });

        output.WriteLine($"{environment.Retries - retriesBefore} requests were sent again while an instance was down");
        (environment.Retries - retriesBefore).ShouldBeGreaterThan(0, "the restarts were felt by the devices");
        await ShouldBeSealedExactlyOnceAsync(devices, sent, allowRedelivery: true);
    }

    /// <summary>Every device sends <paramref name="requests"/> batches in sequence, all devices at once, through the gateway.</summary>
    private async Task<Dictionary<Guid, List<Reading>>> StreamAsync(TestDevice[] devices, int requests, Func<Func<int, Task>, Task>? during)
    {
        var sent = devices.ToDictionary(d => d.MachineId, _ => new List<Reading>());
        var done = new ConcurrentDictionary<Guid, int>();
        var streams = devices.Select(device => Task.Run(async () =>
        {
            for (var r = 0; r < requests; r++)
            {
                var readings = device.Readings(1 + r * PerRequest, PerRequest);
                await environment.PostUntilAcceptedAsync(device.Body(readings));
                sent[device.MachineId].AddRange(readings);
                done[device.MachineId] = r + 1;
            }
        })).ToList();
        if (during is not null)
            await during(n => Eventually.TrueAsync(() => Task.FromResult(done.Values.Count == devices.Length && done.Values.Min() >= n), $"{n} requests per device", TimeSpan.FromMinutes(2)));
        await Task.WhenAll(streams);
        return sent;
    }

    private async Task ShouldBeSealedExactlyOnceAsync(TestDevice[] devices, Dictionary<Guid, List<Reading>> sent, bool allowRedelivery)
    {
        foreach (var device in devices)
        {
            var expected = sent[device.MachineId].OrderBy(r => r.Seq).Select(r => Convert.ToBase64String(r.Canonical())).ToList();
            await Eventually.TrueAsync(() => Task.FromResult(
                environment.Messages.BatchesOf(device.MachineId).DistinctBy(b => b.BatchSeq).Sum(b => b.Count) >= expected.Count),
                $"all readings of {device.MachineId} sealed", TimeSpan.FromSeconds(60));
        }
        await Task.Delay(1_500);
        foreach (var device in devices)
        {
            var messages = environment.Messages.Batches.Where(b => b.Message.MachineId == device.MachineId).ToList();
            var batches = messages.GroupBy(m => m.Message.BatchSeq).OrderBy(g => g.Key).ToList();
            if (messages.Count > batches.Count) output.WriteLine($"{device.MachineId}: {messages.Count - batches.Count} batch(es) delivered twice");
            batches.Select(g => g.Key).ShouldBe(Enumerable.Range(1, batches.Count).Select(i => (long)i), "batch numbers 1, 2, 3… without gaps");
            foreach (var copies in batches)
            {
                if (!allowRedelivery) copies.Count().ShouldBe(1, $"batch {copies.Key} published once");
                copies.Select(c => c.MessageId).Distinct().Count().ShouldBe(1, "a redelivery carries the same message id");
                copies.Select(c => Convert.ToBase64String(c.Message.Readings)).Distinct().Count().ShouldBe(1, "a redelivery carries the same readings");
            }
            var sealedReadings = batches.Select(g => g.First().Message).SelectMany(b => ReadingBatchEncoding.SplitLines(b.Readings)).Select(Convert.ToBase64String).ToList();
            sealedReadings.Count.ShouldBe(sent[device.MachineId].Count, "readings in = readings sealed");
            sealedReadings.Order().ShouldBe(sent[device.MachineId].Select(r => Convert.ToBase64String(r.Canonical())).Order(), "each reading sealed once");
            (await environment.StatusAsync(device)).GetProperty("readingCount").GetInt64().ShouldBe(sent[device.MachineId].Count);
        }
    }
}
