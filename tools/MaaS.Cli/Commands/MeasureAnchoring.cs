using System.Diagnostics;
using System.Globalization;
using MaaS.Cli.Gateway;

namespace MaaS.Cli.Commands;

/// <summary>
/// Anchored readings per second, from the Anchoring service's progress resource (operator only) read over time. Ingest
/// outruns anchoring on one machine, so after an ingest run a backlog waits; the rate at which it drains is what the
/// anchoring pipeline (decode, Merkle root, encrypt, store, wrap keys, rounds on chain, finality) sustains.
/// </summary>
public static class MeasureAnchoring
{
    public sealed record Drain(long Readings, double Seconds, double ReadingsPerSecond, long Refused);

    public static async Task<long> AnchoredAsync(GatewayClient @operator, CancellationToken ct) =>
        (await @operator.GetAsync("/api/anchoring/progress", ct))["readingsAnchored"]!.GetValue<long>();

    /// <summary>Waits until <paramref name="target"/> readings are anchored in all, printing progress every 5 s.</summary>
    public static async Task<Drain> DrainAsync(GatewayClient @operator, long target, TimeSpan timeout, CancellationToken ct)
    {
        var start = await AnchoredAsync(@operator, ct);
        var clock = Stopwatch.StartNew();
        var lastPrint = TimeSpan.Zero;
        while (true)
        {
            var progress = await @operator.GetAsync("/api/anchoring/progress", ct);
            var anchored = progress["readingsAnchored"]!.GetValue<long>();
            if (anchored >= target || clock.Elapsed > timeout)
            {
                var seconds = clock.Elapsed.TotalSeconds;
                if (anchored < target)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    anchoring did not catch up within {timeout.TotalMinutes:0} min: {anchored:N0} of {target:N0}"));
                return new Drain(anchored - start, seconds, seconds > 0 ? (anchored - start) / seconds : 0, progress["batchesRefused"]!.GetValue<long>());
            }
            if (clock.Elapsed - lastPrint >= TimeSpan.FromSeconds(5))
            {
                lastPrint = clock.Elapsed;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"    anchoring: {anchored:N0} of {target:N0} readings anchored, {progress["readingsStored"]} stored, {progress["readingsInRound"]} in a round ({clock.Elapsed.TotalSeconds:0} s)"));
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
        }
    }
}
