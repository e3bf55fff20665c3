using System.Buffers;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using MaaS.Cli.Gateway;
using MaaS.OffChain.Telemetry;
using MaaS.Chain.Transactions;
using Nethereum.Signer;

namespace MaaS.Cli.Commands;

/// <summary>
/// <c>bench ingest</c>: sustained durable readings per second through the gateway. Each worker is one IoT box of one
/// machine (sequence numbers strictly increasing per device), signing every request like a real box; a reading
/// counts once its request was acknowledged (202, i.e. committed in PostgreSQL).
/// </summary>
public static class BenchIngestCommand
{
    public static Command Create()
    {
        var members = new Option<string>("--members") { Required = true, Description = "The file consortium bootstrap wrote" };
        var sizes = new Option<string>("--readings-per-request") { DefaultValueFactory = _ => "1,100,1000" };
        var seconds = new Option<int>("--seconds") { Description = "Measured duration of each run", DefaultValueFactory = _ => 20 };
        var workers = new Option<int>("--machines") { Description = "Concurrent IoT boxes (one machine each)", DefaultValueFactory = _ => 16 };
        var instances = new Option<int>("--instances") { Description = "Telemetry instances behind the gateway (recorded with the run)", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { DefaultValueFactory = _ => "bench/results/ingest.json" };
        var operatorKey = new Option<string?>("--operator-api-key") { Description = "With it, the anchoring backlog is drained and anchored readings/s measured" };
        var command = new Command("ingest", "Durable readings per second through the gateway, with ack latency percentiles")
        {
            members, sizes, seconds, workers, instances, output, operatorKey,
        };
        command.SetAction(async (result, ct) =>
        {
            var consortium = DevConsortium.Load(result.GetValue(members)!);
            var boxes = await ProvisionBoxesAsync(consortium, result.GetValue(workers), ct);
            using var @operator = result.GetValue(operatorKey) is { } key ? new GatewayClient(new Uri(consortium.Gateway), key) : null;
            var anchoredBefore = @operator is null ? 0 : await MeasureAnchoring.AnchoredAsync(@operator, ct);
            var runs = new List<JsonObject>();
            foreach (var size in result.GetValue(sizes)!.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)))
            {
                var run = await RunAsync(new Uri(consortium.Gateway), boxes, size, TimeSpan.FromSeconds(result.GetValue(seconds)), ct);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {size,5} readings/request  {result.GetValue(instances)} instance(s)  {run.ReadingsPerSecond,10:N0} readings/s  ack p50 {run.P50,7:0.0} ms  p99 {run.P99,7:0.0} ms  ({run.Requests:N0} requests, {run.Errors} errors)"));
                runs.Add(new JsonObject
                {
                    ["readings_per_request"] = size, ["instances"] = result.GetValue(instances), ["readings_per_s"] = Math.Round(run.ReadingsPerSecond),
                    ["ack_p50_ms"] = Math.Round(run.P50, 1), ["ack_p99_ms"] = Math.Round(run.P99, 1),
                });
            }
            double? anchoredPerSecond = null;
            if (@operator is not null)
            {
                var ingested = boxes.Sum(b => Interlocked.Read(ref b.Acknowledged));
                Console.WriteLine($"  draining the anchoring backlog ({ingested:N0} readings sent by this run's boxes) …");
                var drain = await MeasureAnchoring.DrainAsync(@operator, anchoredBefore + ingested, TimeSpan.FromMinutes(15), ct);
                anchoredPerSecond = Math.Round(drain.ReadingsPerSecond);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  anchored {drain.Readings:N0} readings in {drain.Seconds:0.0} s after ingest stopped: {drain.ReadingsPerSecond:N0} readings/s ({drain.Refused} batches refused)"));
            }
            await MergeAsync(result.GetValue(output)!, runs, anchoredPerSecond, ct);
            return 0;
        });
        return command;
    }

    public sealed record Box(Guid Machine, EthECKey Device)
    {
        public long NextSeq;

        /// <summary>Readings the service acknowledged (202): durable, so they must all be anchored.</summary>
        public long Acknowledged;
    }

    public sealed record RunResult(double ReadingsPerSecond, double P50, double P99, long Requests, long Errors);

    /// <summary>Machines registered, accepted and started through the API, each with a device key of its own.</summary>
    public static async Task<IReadOnlyList<Box>> ProvisionBoxesAsync(DevConsortium consortium, int count, CancellationToken ct)
    {
        Console.WriteLine($"  provisioning {count} machines (register, accept, start) …");
        var boxes = await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            var device = EthECKey.GenerateKey();
            var machine = await DemoCommands.ProvisionQuietlyAsync(consortium, device.GetPublicAddress(), ct);
            return new Box(machine, device);
        }));
        return boxes;
    }

    /// <summary>
    /// One run. Each box's requests are built and signed before the clock starts, as separate IoT boxes would have done on
    /// their own hardware: on these shared 2 cores, signing and serialising in the load generator took about 45 % of a core
    /// from the services it measures. A box that runs out of prepared requests builds the next ones as it goes.
    /// </summary>
    public static async Task<RunResult> RunAsync(Uri gateway, IReadOnlyList<Box> boxes, int readingsPerRequest, TimeSpan duration, CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = boxes.Count * 2, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(60),
        };
        var latencies = new List<double>[boxes.Count];
        long readings = 0, requests = 0, errors = 0, builtDuringRun = 0;
        // Warm-up so connection set-up and JIT do not count; it also waits until Telemetry knows each machine is executing.
        await Task.WhenAll(boxes.Select(b => WarmUpAsync(http, b, Math.Min(readingsPerRequest, 10), ct)));
        var prepared = await PrepareAsync(boxes, readingsPerRequest, RequestsPerBox(readingsPerRequest, boxes.Count, duration), ct);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(boxes.Select((box, i) => Task.Run(async () =>
        {
            var mine = latencies[i] = [];
            var queue = prepared[i];
            while (clock.Elapsed < duration && !ct.IsCancellationRequested)
            {
                if (!queue.TryDequeue(out var body))
                {
                    body = Build(box, readingsPerRequest);
                    Interlocked.Increment(ref builtDuringRun);
                }
                var started = Stopwatch.GetTimestamp();
                var status = await SendAsync(http, box, body, readingsPerRequest, ct);
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Increment(ref requests);
                if (status == HttpStatusCode.Accepted) Interlocked.Add(ref readings, readingsPerRequest);
                else Interlocked.Increment(ref errors);
            }
        }, ct)));
        var elapsed = clock.Elapsed.TotalSeconds;
        if (builtDuringRun > 0) Console.WriteLine($"  ({builtDuringRun:N0} requests were built and signed during the run: the prepared ones ran out)");
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double Percentile(double p) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)Math.Ceiling(p * all.Length) - 1)];
        return new RunResult(readings / elapsed, Percentile(0.50), Percentile(0.99), requests, errors);
    }

    /// <summary>Enough for 120,000 readings/s over the run, at most 60 requests a second per box (a request takes longer).</summary>
    private static int RequestsPerBox(int readingsPerRequest, int boxes, TimeSpan duration) =>
        (int)Math.Min(Math.Ceiling(duration.TotalSeconds * 120_000 / readingsPerRequest / boxes), duration.TotalSeconds * 60);

    private static async Task<Queue<Body>[]> PrepareAsync(IReadOnlyList<Box> boxes, int readingsPerRequest, int perBox, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        var queues = await Task.WhenAll(boxes.Select(box => Task.Run(() =>
            new Queue<Body>(Enumerable.Range(0, perBox).Select(_ => Build(box, readingsPerRequest))), ct)));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  prepared {perBox * boxes.Count:N0} signed requests of {readingsPerRequest} readings in {started.Elapsed.TotalSeconds:0.0} s"));
        return queues;
    }

    /// <summary>Sends until the service accepts (a machine just started may not be known as executing yet), for at most a minute.</summary>
    private static async Task WarmUpAsync(HttpClient http, Box box, int count, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var status = await SendAsync(http, box, Build(box, count), count, ct, quiet: true);
            if (status == HttpStatusCode.Accepted) return;
            if (status != HttpStatusCode.Conflict || deadline.Elapsed > TimeSpan.FromMinutes(1))
                throw new InvalidOperationException($"machine {box.Machine}: the warm-up request was answered {(int?)status}");
            await Task.Delay(200, ct);
        }
    }

    /// <summary>A request body as the box sends it: readings with the box's next sequence numbers, signed (EIP-191).</summary>
    public sealed record Body(ReadOnlyMemory<byte> Json);

    private static Body Build(Box box, int count)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var canonical = new byte[count][];
        var readings = new Reading[count];
        for (var i = 0; i < count; i++)
        {
            var seq = Interlocked.Increment(ref box.NextSeq);
            readings[i] = new Reading(box.Machine, seq, now - count + i, ReadingStatus.Running, 3, (seq % 50 == 0) ? 1 : 0,
                new Dictionary<string, long> { ["temp_mc"] = 21_000 + seq % 500, ["spindle_rpm"] = 12_000, ["power_w"] = 2_950 });
            canonical[i] = readings[i].Canonical();
        }
        var signature = Eip191Signer.Sign(box.Device, ReadingBatchEncoding.SignedBytes(box.Machine, canonical));
        var body = new ArrayBufferWriter<byte>(count * 200 + 200);
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteString("machineId", box.Machine);
            json.WriteStartArray("readings");
            foreach (var r in readings)
            {
                json.WriteStartObject();
                json.WriteNumber("seq", r.Seq);
                json.WriteNumber("ts", r.Timestamp);
                json.WriteString("status", Reading.StatusName(r.Status));
                json.WriteNumber("produced", r.Produced);
                json.WriteNumber("rejected", r.Rejected);
                json.WriteStartObject("sensors");
                foreach (var (name, value) in r.Sensors) json.WriteNumber(name, value);
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteString("signature", signature);
            json.WriteEndObject();
        }
        return new Body(body.WrittenMemory);
    }

    /// <returns>The answer's status, null when the request failed without one.</returns>
    private static async Task<HttpStatusCode?> SendAsync(HttpClient http, Box box, Body body, int count, CancellationToken ct, bool quiet = false)
    {
        using var content = new ReadOnlyMemoryContent(body.Json);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        try
        {
            using var response = await http.PostAsync("/api/telemetry/readings", content, ct);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                Interlocked.Add(ref box.Acknowledged, count);
                return response.StatusCode;
            }
            if (!quiet) await Console.Error.WriteLineAsync($"  ingest refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
            return response.StatusCode;
        }
        catch (HttpRequestException ex)
        {
            await Console.Error.WriteLineAsync($"  ingest failed: {ex.Message}");
            return null;
        }
    }

    /// <summary>Keeps the runs of other instance counts already in the file, replacing those this run measured.</summary>
    private static async Task MergeAsync(string path, IReadOnlyList<JsonObject> runs, double? anchoredPerSecond, CancellationToken ct)
    {
        var existing = File.Exists(path) ? JsonNode.Parse(await File.ReadAllTextAsync(path, ct)) as JsonObject ?? [] : [];
        var kept = (existing["runs"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(old => !runs.Any(n => (int)n["readings_per_request"]! == (int)old["readings_per_request"]! && (int)n["instances"]! == (int)old["instances"]!))
            .Select(o => o.DeepClone()).ToList();
        var all = new JsonArray([.. kept, .. runs.Select(r => r.DeepClone())]);
        existing["runs"] = all;
        // The pipeline behind the Telemetry instances is the same in every run: keep the best drain rate measured.
        var previous = existing["anchored_readings_per_s"]?.GetValue<double>();
        existing["anchored_readings_per_s"] = anchoredPerSecond is null ? previous : Math.Max(anchoredPerSecond.Value, previous ?? 0);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllTextAsync(path, existing.ToJsonString(Json.Indented) + "\n", ct);
    }
}
