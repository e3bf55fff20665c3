using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MaaS.Contracts.Machines;
using MaaS.OffChain.Telemetry;
using MassTransit;
using Nethereum.Signer;

// Drives POST /api/telemetry/readings as fast as it is acknowledged: one device per machine, each sending its
// pre-signed requests in sequence (a device waits for its 202 before the next batch), all devices at once.
// Machines are made known to Telemetry the way the Machines service does it: MachineRegistered and MachineStarted on the bus.
var options = Options.Parse(args);
Console.WriteLine($"ingest loop: {options.Machines} devices x {options.PerRequest} readings/request for {options.Seconds} s -> {options.Url}");

var devices = Enumerable.Range(0, options.Machines).Select(_ => (Machine: Guid.CreateVersion7(), Key: EthECKey.GenerateKey())).ToArray();
await RegisterAsync(options, devices);

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
{
    BaseAddress = new Uri(options.Url),
    Timeout = TimeSpan.FromSeconds(60),
};
foreach (var (machine, key) in devices)
{
    var sw = Stopwatch.StartNew();
    while (true)
    {
        using var probe = await http.PostAsync("/api/telemetry/readings", Body(machine, key, [Reading(machine, 1)]));
        if (probe.StatusCode == HttpStatusCode.Accepted) break;
        if (sw.Elapsed > TimeSpan.FromSeconds(60)) throw new InvalidOperationException($"machine {machine} not accepted: {(int)probe.StatusCode} {await probe.Content.ReadAsStringAsync()}");
        await Task.Delay(200);
    }
}

// Pre-sign enough requests that the loop measures the server, not the client's signing.
var perDevice = options.RequestsPerDevice;
Console.WriteLine($"signing {perDevice * devices.Length} requests…");
var bodies = devices.Select((d, i) => new byte[perDevice][]).ToArray();
Parallel.For(0, devices.Length * perDevice, n =>
{
    var (i, r) = (n / perDevice, n % perDevice);
    var first = 2 + (long)r * options.PerRequest;
    var readings = Enumerable.Range(0, options.PerRequest).Select(k => Reading(devices[i].Machine, first + k)).ToList();
    bodies[i][r] = Encoding.UTF8.GetBytes(BodyText(devices[i].Machine, devices[i].Key, readings));
});
Console.WriteLine($"request body: {bodies[0][0].Length:N0} bytes");

var latencies = new List<double>[devices.Length];
var errors = 0;
var acknowledged = 0L;
var clock = Stopwatch.StartNew();
var deadline = TimeSpan.FromSeconds(options.Seconds);
await Task.WhenAll(devices.Select((d, i) => Task.Run(async () =>
{
    latencies[i] = [];
    for (var r = 0; r < perDevice && clock.Elapsed < deadline; r++)
    {
        var started = clock.Elapsed;
        using var content = new ByteArrayContent(bodies[i][r]);
        content.Headers.ContentType = new("application/json");
        using var response = await http.PostAsync("/api/telemetry/readings", content);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            Interlocked.Increment(ref errors);
            Console.Error.WriteLine($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            continue;
        }
        latencies[i].Add((clock.Elapsed - started).TotalMilliseconds);
        Interlocked.Add(ref acknowledged, options.PerRequest);
    }
})));
var elapsed = clock.Elapsed.TotalSeconds;
var all = latencies.SelectMany(l => l).Order().ToArray();
double Percentile(double p) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)(p * all.Length))];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{acknowledged:N0} readings acknowledged in {elapsed:F1} s = {acknowledged / elapsed:N0} readings/s ({all.Length / elapsed:F1} requests/s); ack p50 {Percentile(0.5):F1} ms, p99 {Percentile(0.99):F1} ms; {errors} errors"));
if (acknowledged == (long)perDevice * devices.Length * options.PerRequest) Console.WriteLine("(ran out of pre-signed requests before the deadline: raise --requests)");

static Reading Reading(Guid machine, long seq) => new(machine, seq, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ReadingStatus.Running, 3, seq % 50 == 0 ? 1 : 0,
    new Dictionary<string, long> { ["temp_mc"] = 21_500 + seq % 100, ["rpm"] = 1_200, ["vibration_um"] = 14, ["power_mw"] = 7_450_000 });

static StringContent Body(Guid machine, EthECKey key, IReadOnlyList<Reading> readings) => new(BodyText(machine, key, readings), Encoding.UTF8, "application/json");

static string BodyText(Guid machine, EthECKey key, IReadOnlyList<Reading> readings)
{
    var signed = ReadingBatchEncoding.SignedBytes(machine, [.. readings.Select(r => r.Canonical())]);
    return new JsonObject
    {
        ["machineId"] = machine.ToString(),
        ["readings"] = new JsonArray([.. readings.Select(r => (JsonNode)new JsonObject
        {
            ["seq"] = r.Seq, ["ts"] = r.Timestamp, ["status"] = MaaS.OffChain.Telemetry.Reading.StatusName(r.Status), ["produced"] = r.Produced, ["rejected"] = r.Rejected,
            ["sensors"] = new JsonObject([.. r.Sensors.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)JsonValue.Create(s.Value)))]),
        })]),
        ["signature"] = new EthereumMessageSigner().Sign(signed, key),
    }.ToJsonString();
}

static async Task RegisterAsync(Options options, (Guid Machine, EthECKey Key)[] devices)
{
    var uri = new Uri(options.RabbitMq);
    var credentials = Uri.UnescapeDataString(uri.UserInfo is { Length: > 0 } u ? u : "guest:guest").Split(':', 2);
    var bus = Bus.Factory.CreateUsingRabbitMq(rabbit => rabbit.Host(uri.Host, (ushort)uri.Port, uri.AbsolutePath.Trim('/') is { Length: > 0 } vh ? Uri.UnescapeDataString(vh) : "/", h =>
    {
        h.Username(credentials[0]);
        h.Password(credentials.Length > 1 ? credentials[1] : "");
    }));
    await bus.StartAsync();
    var block = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    foreach (var (machine, key) in devices)
    {
        var account = EthECKey.GenerateKey().GetPublicAddress().ToLowerInvariant();
        await bus.Publish(new MachineRegistered(machine, account, account, "BENCH", 1, key.GetPublicAddress().ToLowerInvariant(), 3_600, "Qm", "0x", "0x", block, DateTimeOffset.UtcNow),
            c => c.MessageId = Guid.NewGuid());
        await bus.Publish(new MachineStarted(machine, "0x", block + 1, DateTimeOffset.UtcNow), c => c.MessageId = Guid.NewGuid());
    }
    await bus.StopAsync();
}

internal sealed record Options(string Url, string RabbitMq, int Machines, int PerRequest, int Seconds, int RequestsPerDevice)
{
    public static Options Parse(string[] args)
    {
        string Get(string name, string fallback) => args.SkipWhile(a => a != "--" + name).Skip(1).FirstOrDefault() ?? fallback;
        int Int(string name, int fallback) => int.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        return new Options(Get("url", "http://127.0.0.1:5100"), Get("rabbitmq", "amqp://guest:guest@127.0.0.1:5672/"),
            Int("machines", 8), Int("readings", 1_000), Int("seconds", 20), Int("requests", 100));
    }
}
