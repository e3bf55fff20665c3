using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MaaS.Cli.Gateway;
using Nethereum.Signer;

namespace MaaS.Cli.Commands;

/// <summary>
/// <c>bench workflow</c>: the paper's loop (<see cref="WorkflowLoop"/>) <c>--loops</c> times on one machine, on the chain
/// the stack runs (<c>./maas bench workflow</c> runs it once with a block every second and once with instant mining).
/// Per operation: latency percentiles and gas beside the paper's 2–3 s, and the service's overhead before the chain.
/// Merges its run into <c>workflow.json</c> (replacing the same mode), keeps the raw latencies beside it, and draws the
/// histogram of every mode measured (the paper's Figure 8) as a PNG.
/// </summary>
public static class BenchWorkflowCommand
{
    public static Command Create()
    {
        var members = new Option<string>("--members") { Required = true, Description = "The file consortium bootstrap wrote" };
        var mode = new Option<string>("--mode") { Required = true, Description = "block-time-1s or instant (what the node does; for the report)" };
        var loops = new Option<int>("--loops") { DefaultValueFactory = _ => 80 };
        var output = new Option<string>("--out") { DefaultValueFactory = _ => "bench/results/workflow.json" };
        var command = new Command("workflow", "The maintenance loop N times: latency and gas per operation, service overhead, histogram")
        {
            members, mode, loops, output,
        };
        command.SetAction(async (result, ct) =>
        {
            var consortium = DevConsortium.Load(result.GetValue(members)!);
            var (name, count, path) = (result.GetValue(mode)!, result.GetValue(loops), result.GetValue(output)!);
            var device = EthECKey.GenerateKey();
            var machineId = await DemoCommands.ProvisionQuietlyAsync(consortium, device.GetPublicAddress(), ct);
            await WorkflowLoop.EnableWatchdogsAsync(consortium, ct);
            using var loop = new WorkflowLoop(consortium, machineId, device);
            var samples = new List<LoopSample>();
            var cycleMs = new List<double>();
            for (var cycle = 1; cycle <= count; cycle++)
            {
                var done = await loop.RunCycleAsync(cycle, null, ct);
                samples.AddRange(done.Samples);
                cycleMs.Add(done.CycleMs);
                if (cycle % 10 == 0 || cycle == count)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name}: {cycle}/{count} loops, last {done.CycleMs / 1000:0.0} s (resolution by {done.ResolutionSource})"));
            }
            var stats = LoopStats.Of(samples);
            LoopStats.Print(stats, string.Create(CultureInfo.InvariantCulture,
                $"{name}: {count} loops, loop p50 {LoopStats.Percentile(cycleMs, 0.5) / 1000:0.0} s; latency from submission until the service saw the block (ms)"));
            await SaveAsync(path, name, count, stats, samples, LoopStats.Percentile(cycleMs, 0.5), ct);
            return 0;
        });
        return command;
    }

    private static async Task SaveAsync(string path, string mode, int loops, IReadOnlyList<LoopStats> stats, IReadOnlyList<LoopSample> samples, double loopP50, CancellationToken ct)
    {
        var run = new JsonObject
        {
            ["mode"] = mode,
            ["loops"] = loops,
            ["loop_p50_ms"] = Math.Round(loopP50),
            ["paper_ms_per_operation"] = "2000-3000",
            ["operations"] = new JsonArray([.. stats.Select(s => (JsonNode)new JsonObject
            {
                ["operation"] = s.Operation, ["p50_ms"] = Math.Round(s.P50Ms), ["p90_ms"] = Math.Round(s.P90Ms), ["max_ms"] = Math.Round(s.MaxMs), ["gas"] = s.Gas,
                ["count"] = s.Count, ["overhead_p50_ms"] = Math.Round(s.OverheadP50Ms, 1), ["overhead_p90_ms"] = Math.Round(s.OverheadP90Ms, 1),
            })]),
        };
        var existing = File.Exists(path) ? JsonNode.Parse(await File.ReadAllTextAsync(path, ct))?["runs"]?.AsArray().Select(r => r!.DeepClone()) ?? [] : [];
        var runs = new JsonArray([.. existing.Where(r => r["mode"]?.GetValue<string>() != mode), run]);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllTextAsync(path, new JsonObject { ["runs"] = runs }.ToJsonString(Json.Indented), ct);

        // The raw latencies (submitted → in a block) per mode, so that the histogram shows every mode measured so far.
        var rawPath = Path.ChangeExtension(path, ".samples.json");
        var raw = File.Exists(rawPath) ? JsonSerializer.Deserialize<Dictionary<string, double[]>>(await File.ReadAllTextAsync(rawPath, ct)) ?? [] : [];
        raw[mode] = [.. samples.Select(s => Math.Round(s.MinedMs, 1))];
        await File.WriteAllTextAsync(rawPath, JsonSerializer.Serialize(raw), ct);
        var png = Path.ChangeExtension(path, ".png");
        BenchWorkflowHistogram.Draw(raw, png);
        Console.WriteLine($"  wrote {path}, {rawPath} and {png}");
    }
}
