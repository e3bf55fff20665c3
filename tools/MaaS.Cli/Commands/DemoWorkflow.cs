using System.Globalization;
using System.Text.Json.Nodes;
using MaaS.Cli.Gateway;
using MaaS.OffChain.Telemetry;
using Nethereum.Signer;

namespace MaaS.Cli.Commands;

/// <summary>
/// One transaction of the loop: from its submission until the service saw it in a block (<paramref name="MinedMs"/>) and
/// until final, its gas, and the service's overhead before the chain (<paramref name="OverheadMs"/>: from what triggered
/// it — a request, a reading, a fact seen on chain — until the transaction was sent).
/// </summary>
public sealed record LoopSample(int Cycle, string Operation, string? TransactionHash, long? Block, long? Gas, bool Succeeded, double MinedMs, double? FinalMs, double OverheadMs);

/// <summary>What one cycle showed besides its transactions.</summary>
public sealed record LoopCycle(int Cycle, Guid TicketId, string Winner, string? LoserBackOff, string? ResolutionSource, double CycleMs, IReadOnlyList<LoopSample> Samples);

/// <summary>
/// The paper's evaluation workload (Figure 4) through the gateway, one cycle at a time — shared by <c>demo workflow</c>
/// and <c>bench workflow</c>. The machine's IoT box posts a signed <c>malfunctioning</c> reading → the Machines service
/// stops the machine and the Maintenance service opens a ticket (both with the customer's key) → the two maintainers'
/// watchdogs race to accept → the winner completes with a report → the customer closes → Machines resets and starts the
/// machine → the box reports <c>running</c> again, which stops the ticket's resolution clock.
/// </summary>
public sealed class WorkflowLoop(DevConsortium consortium, Guid machineId, EthECKey device) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);
    private readonly Uri gateway = new(consortium.Gateway);
    private readonly GatewayClient customer = new(new Uri(consortium.Gateway), consortium.One("customer").ApiKey);
    private readonly GatewayClient box = new(new Uri(consortium.Gateway), null);
    private long seq;
    private long lastTicketSeq;

    /// <summary>Both maintainers' watchdogs accept FCFS tickets of the consortium's model by themselves.</summary>
    public static async Task EnableWatchdogsAsync(DevConsortium consortium, CancellationToken ct)
    {
        foreach (var maintainer in consortium.Members.Where(m => m.Role == "maintainer"))
        {
            using var client = new GatewayClient(new Uri(consortium.Gateway), maintainer.ApiKey);
            await client.SendAsync(HttpMethod.Put, "/api/maintenance/watchdogs/me", new
            {
                enabled = true, models = new[] { consortium.Model }, regions = Array.Empty<ushort>(), kinds = Array.Empty<string>(), capacity = 10,
                autoAccept = true, autoBid = false, autoSeal = false,
                price = new { repair = 12_000, preventive = 8_000 }, eta = new { repairSeconds = 14_400, preventiveSeconds = 86_400 },
            }, ct);
        }
    }

    public async Task<LoopCycle> RunCycleAsync(int cycle, Action<string>? say, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var machineOperations = Ids((await customer.GetAsync($"/api/machines/{machineId}", ct))["operations"]);

        // The trigger is the signed reading leaving the box (signing it is the box's work, not the service's).
        var failedAt = await PostReadingAsync(ReadingStatus.Malfunctioning, ct);
        say?.Invoke($"  1. the IoT box reports 'malfunctioning' (signed reading {seq})");
        var summary = await customer.WaitForAsync("/api/maintenance/tickets?status=all", list => NewTicket(list) is not null, Timeout, ct);
        var ticketId = NewTicket(summary)!["id"]!.GetValue<Guid>();
        lastTicketSeq = NewTicket(summary)!["seq"]!.GetValue<long>();
        var path = $"/api/maintenance/tickets/{ticketId}";
        say?.Invoke($"  2. Maintenance opened ticket {ticketId} (seq {lastTicketSeq}) with the customer's key; Machines stops the machine");

        var taken = await customer.WaitForAsync(path, t => t["ticket"]!["finalAssignee"] is not null && t["ticket"]!["workStartedBy"]!.AsArray().Count > 0, Timeout, ct);
        var winnerAccount = taken["ticket"]!["finalAssignee"]!.GetValue<string>();
        var winner = consortium.Members.Single(m => m.Role == "maintainer" && string.Equals(m.Account, winnerAccount, StringComparison.OrdinalIgnoreCase));
        say?.Invoke($"  3. the watchdogs raced: {winner.Name} won in chain order and started work");
        await customer.WaitForAsync($"/api/machines/{machineId}", m => m["finalState"]?.GetValue<string>() == "Stopped", Timeout, ct);

        using var maintainer = new GatewayClient(gateway, winner.ApiKey);
        var completeAt = DateTimeOffset.UtcNow;
        var completion = await maintainer.PostAsync($"{path}/completion", new { report = $"Cycle {cycle}: replaced the spindle bearing; 30 min test run OK." }, ct);
        await maintainer.WaitForOperationAsync(OperationPath(completion), untilFinal: true, Timeout, ct);
        await customer.WaitForAsync(path, t => t["ticket"]!["finalStatus"]?.GetValue<string>() == "Completed", Timeout, ct);
        say?.Invoke($"  4. {winner.Name} completed the ticket with a report (CID on chain)");

        var closeAt = DateTimeOffset.UtcNow;
        var closing = await customer.PostAsync($"{path}/close", null, ct);
        await customer.WaitForOperationAsync(OperationPath(closing), untilFinal: true, Timeout, ct);
        await customer.WaitForAsync(path, t => t["ticket"]!["finalStatus"]?.GetValue<string>() == "Closed", Timeout, ct);
        say?.Invoke("  5. the customer closed the ticket; Machines resets and starts the machine");

        var restarted = await customer.WaitForAsync($"/api/machines/{machineId}",
            m => m["finalState"]?.GetValue<string>() == "Executed" && Ids(m["operations"]).Except(machineOperations).Count() >= 2, Timeout, ct);
        var newMachineOperations = Ids(restarted["operations"]).Except(machineOperations).ToList();
        var machineViews = new List<JsonObject>();
        foreach (var id in newMachineOperations)
            machineViews.Add(await customer.WaitForAsync($"/api/machines/operations/{id}", o => o["status"]?.GetValue<string>() is "Final" or "Failed", Timeout, ct));

        await PostReadingAsync(ReadingStatus.Running, ct);
        var resolved = await customer.WaitForAsync(path, t => t["ticket"]!["runningAgainAt"] is not null, Timeout, ct);
        var source = resolved["ticket"]!["resolutionSource"]?.GetValue<string>();
        say?.Invoke($"  6. the machine runs again (reading {seq}); the ticket's resolution clock stopped (source: {source})");

        // The loser's acceptance, if it sent one, may still be on its way (a failed transaction in a later block): wait for it to end.
        var ticket = await customer.WaitForAsync(path, t => t["operations"]!.AsArray().All(o => o!["status"]?.GetValue<string>() is "Final" or "Failed"), Timeout, ct);
        var samples = Samples(cycle, ticket, winner, machineViews, failedAt, completeAt, closeAt);
        var backOff = ticket["ticket"]!["backOffs"]!.AsArray().Select(b => b!["reason"]?.GetValue<string>()).FirstOrDefault();
        return new LoopCycle(cycle, ticketId, winner.Name, backOff, source, (DateTimeOffset.UtcNow - started).TotalMilliseconds, samples);
    }

    private JsonObject? NewTicket(JsonObject list) => list["items"]!.AsArray().Select(t => t!.AsObject())
        .FirstOrDefault(t => t["machineId"]!.GetValue<Guid>() == machineId && t["seq"]!.GetValue<long>() > lastTicketSeq);

    private static List<LoopSample> Samples(int cycle, JsonObject ticket, DevMember winner, IEnumerable<JsonObject> machineOperations,
        DateTimeOffset failedAt, DateTimeOffset completeAt, DateTimeOffset closeAt)
    {
        var history = ticket["ticket"]!["history"]!.AsArray().Select(h => h!.AsObject()).Where(h => h["status"]?.GetValue<string>() != "Retracted").ToList();
        DateTimeOffset Seen(string fact, string time) => history.First(h => h["event"]!.GetValue<string>() == fact)[time]!.GetValue<DateTimeOffset>();
        var samples = new List<LoopSample>();
        foreach (var operation in ticket["operations"]!.AsArray().Select(o => o!.AsObject()))
        {
            var (name, trigger) = operation["kind"]!.GetValue<string>() switch
            {
                "ticket-open" => ("openTicket", failedAt),
                "ticket-accept" when operation["memberId"]!.GetValue<Guid>() == winner.MemberId => ("acceptTicket (winner)", Seen("TicketOpened", "observedAt")),
                "ticket-accept" => ("acceptTicket (lost race)", Seen("TicketOpened", "observedAt")),
                "ticket-complete" => ("completeTicket", completeAt),
                "ticket-close" => ("closeTicket", closeAt),
                var other => (other, failedAt),
            };
            samples.AddRange(StepSamples(cycle, operation, _ => name, _ => trigger));
        }
        foreach (var operation in machineOperations)
        {
            var steps = operation["steps"]!.AsArray();
            // stop: from the failure reading; reset: from the close being final (TicketClosed leaves then); start: from reset in a block.
            samples.AddRange(StepSamples(cycle, operation, step => step, step => step switch
            {
                "stop" => failedAt,
                "reset" => Seen("TicketClosed", "finalAt"),
                _ => steps.Select(s => s!.AsObject()).FirstOrDefault(s => s["name"]!.GetValue<string>() == "reset")?["minedAt"]?.GetValue<DateTimeOffset>()
                    ?? Seen("TicketClosed", "finalAt"),
            }));
        }
        return samples;
    }

    private static IEnumerable<LoopSample> StepSamples(int cycle, JsonObject operation, Func<string, string> name, Func<string, DateTimeOffset> trigger)
    {
        foreach (var step in operation["steps"]!.AsArray().Select(s => s!.AsObject()))
        {
            if (step["submittedAt"] is null || step["minedAt"] is null) continue; // refused before sending: no transaction
            var stepName = step["name"]!.GetValue<string>();
            var submitted = step["submittedAt"]!.GetValue<DateTimeOffset>();
            yield return new LoopSample(cycle, name(stepName), step["transactionHash"]?.GetValue<string>(), step["block"]?.GetValue<long>(), step["gasUsed"]?.GetValue<long>(),
                step["error"] is null, (step["minedAt"]!.GetValue<DateTimeOffset>() - submitted).TotalMilliseconds,
                step["finalAt"] is { } final ? (final.GetValue<DateTimeOffset>() - submitted).TotalMilliseconds : null,
                Math.Max(0, (submitted - trigger(stepName)).TotalMilliseconds));
        }
    }

    /// <summary>One reading signed with the device key, as the machine's IoT box sends it.</summary>
    /// <returns>When the accepted request was sent.</returns>
    private async Task<DateTimeOffset> PostReadingAsync(ReadingStatus status, CancellationToken ct)
    {
        var reading = new Reading(machineId, ++seq, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), status, 3, 0,
            new Dictionary<string, long> { ["temp_mc"] = status == ReadingStatus.Malfunctioning ? 94_000 : 21_000, ["spindle_rpm"] = 12_000 });
        var signature = new EthereumMessageSigner().Sign(ReadingBatchEncoding.SignedBytes(machineId, [reading.Canonical()]), device);
        var body = new
        {
            machineId,
            readings = new[] { new { seq = reading.Seq, ts = reading.Timestamp, status = Reading.StatusName(status), produced = reading.Produced, rejected = reading.Rejected, sensors = reading.Sensors } },
            signature,
        };
        // Telemetry accepts readings once it has heard that the machine started (MachineStarted, at finality); like a real
        // box, this one sends the same signed reading again until then.
        var deadline = DateTimeOffset.UtcNow + Timeout;
        while (true)
        {
            var sentAt = DateTimeOffset.UtcNow;
            try
            {
                await box.PostAsync("/api/telemetry/readings", body, ct);
                return sentAt;
            }
            catch (GatewayException refused) when (refused.Status == System.Net.HttpStatusCode.Conflict && refused.Message.Contains("machine-not-executing", StringComparison.Ordinal)
                && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(50, ct);
            }
        }
    }

    private static string OperationPath(JsonObject operation) => $"/api/maintenance/operations/{operation["id"]}";

    private static HashSet<Guid> Ids(JsonNode? array) => [.. (array?.AsArray() ?? []).Select(i => i!.GetValue<Guid>())];

    public void Dispose()
    {
        customer.Dispose();
        box.Dispose();
    }
}

/// <summary>Per operation over many cycles: latency percentiles (nearest rank), gas, and the service's overhead.</summary>
public sealed record LoopStats(string Operation, int Count, double P50Ms, double P90Ms, double MaxMs, double? FinalP50Ms, long Gas, double OverheadP50Ms, double OverheadP90Ms)
{
    /// <summary>The paper's own figure: 2–3 s per operation on its chain.</summary>
    public const string Paper = "2–3 s";

    public static IReadOnlyList<LoopStats> Of(IEnumerable<LoopSample> samples) =>
    [
        .. samples.GroupBy(s => s.Operation).Select(g => new LoopStats(g.Key, g.Count(), Percentile(g.Select(s => s.MinedMs), 0.5), Percentile(g.Select(s => s.MinedMs), 0.9),
            g.Max(s => s.MinedMs), g.Any(s => s.FinalMs is not null) ? Percentile(g.Where(s => s.FinalMs is not null).Select(s => s.FinalMs!.Value), 0.5) : null,
            (long)Percentile(g.Select(s => (double)(s.Gas ?? 0)), 0.5), Percentile(g.Select(s => s.OverheadMs), 0.5), Percentile(g.Select(s => s.OverheadMs), 0.9)))
            .OrderBy(s => Order(s.Operation)),
    ];

    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static int Order(string operation) => Array.IndexOf(
        ["stop", "openTicket", "acceptTicket (winner)", "acceptTicket (lost race)", "completeTicket", "closeTicket", "reset", "start"], operation) is var i and >= 0 ? i : 99;

    public static void Print(IReadOnlyList<LoopStats> stats, string title)
    {
        Console.WriteLine($"  {title}");
        Console.WriteLine("    operation                  n   in a block p50     p90     max   final p50        gas   overhead p50   p90   paper");
        foreach (var s in stats)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    {s.Operation,-24} {s.Count,4} {s.P50Ms,12:0} ms {s.P90Ms,6:0} {s.MaxMs,7:0} {s.FinalP50Ms,8:0} ms {s.Gas,10:N0} {s.OverheadP50Ms,11:0} ms {s.OverheadP90Ms,5:0}   {Paper}"));
    }
}
