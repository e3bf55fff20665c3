using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MaaS.Chain.Proofs;
using MaaS.OffChain.Telemetry;
using MaaS.Testing;
using Nethereum.Signer;
using Nethereum.Web3;
using Shouldly;

namespace MaaS.EndToEnd.Tests;

/// <summary>
/// The whole stack with a consortium made the way a real one is (the operator invites, the OEM and the customer redeem
/// through the gateway) and one machine provisioned on chain (registered, accepted, started), whose IoT box then streams
/// signed readings through the gateway. Sealing and rounds are tuned to seconds so that a test sees many of both.
/// </summary>
public sealed class ProvableTelemetryFixture : StackFixture
{
    public const int ReadingsPerBatch = 40;

    public HttpClient Oem { get; private set; } = null!;

    public HttpClient Customer { get; private set; } = null!;

    public Guid MachineId { get; private set; }

    public EthECKey Device { get; } = EthECKey.GenerateKey();

    public string AnchorAddress => Environment.Deployment!["TelemetryAnchor"].Address;

    protected override void Configure(Dictionary<string, string?> settings)
    {
        SealAndAnchorWithinSeconds(settings, ReadingsPerBatch);
        // A batch faulted into an error queue while Anchoring stops is published again once this long has passed unanswered.
        settings["Telemetry:Sealing:RepublishUnsettledAfter"] = "00:00:20";
        settings["Telemetry:Sealing:RepublishCheckInterval"] = "00:00:01";
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var members = await Task.WhenAll(JoinAsync("oem", "Acme Machines"), JoinAsync("customer", "Factory Co"));
        (Oem, Customer) = (members[0].Client, members[1].Client);
        (MachineId, _) = await ProvisionAsync(Oem, Customer, members[1].MemberId, Device.GetPublicAddress());
    }

    /// <summary>A request body the way an IoT box signs it: EIP-191 over the canonical bytes of its readings.</summary>
    public string SignedRequest(IReadOnlyList<Reading> readings) => DeviceRequests.Body(MachineId, readings, Device);

    public Reading NewReading(long seq) => new(MachineId, seq, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ReadingStatus.Running, 3, seq % 7 == 0 ? 1 : 0,
        new Dictionary<string, long> { ["spindle_rpm"] = 1_200 + seq, ["temp_mc"] = 21_000 + seq });
}

/// <summary>
/// The paper's Figure 6 made provable: readings signed by the machine's IoT box go through the gateway to Telemetry,
/// are sealed into batches, encrypted and Merkle-anchored in rounds by Anchoring, and every single reading gets a proof
/// that holds against the chain alone — while both services are restarted in the middle of the stream.
/// </summary>
public sealed class ProvableTelemetryTests(ProvableTelemetryFixture stack) : IClassFixture<ProvableTelemetryFixture>
{
    private const int Requests = 30;
    private const int ReadingsPerRequest = 20;

    [Fact]
    public async Task EveryReadingStreamedThroughRestarts_IsAnchoredExactlyOnce_AndItsProofVerifiesOnChain()
    {
        var sent = new List<Reading>();
        var device = stack.Anonymous;
        for (var request = 0; request < Requests; request++)
        {
            if (request == Requests / 3) await stack.RestartAsync("telemetry");
            if (request == 2 * Requests / 3) await stack.RestartAsync("anchoring");
            var readings = Enumerable.Range(1 + request * ReadingsPerRequest, ReadingsPerRequest).Select(seq => stack.NewReading(seq)).ToList();
            var body = stack.SignedRequest(readings);
            // A box retries the same signed request until it is acknowledged: while a service restarts the gateway answers 502/503.
            await Eventually.TrueAsync(async () =>
            {
                using var response = await device.PostAsync("/api/telemetry/readings", new StringContent(body, Encoding.UTF8, "application/json"));
                return response.StatusCode == HttpStatusCode.Accepted;
            }, $"request {request} to be acknowledged", TimeSpan.FromSeconds(60));
            sent.AddRange(readings);
        }
        // Re-sending an acknowledged request after the restarts is idempotent: nothing is stored or anchored twice.
        using (var again = await device.PostAsync("/api/telemetry/readings", new StringContent(stack.SignedRequest(sent[..ReadingsPerRequest]), Encoding.UTF8, "application/json")))
            again.StatusCode.ShouldBe(HttpStatusCode.Accepted, await again.Content.ReadAsStringAsync());

        var anchored = await Eventually.GetAsync(async () =>
        {
            var batches = await AnchoringBatchesAsync();
            if (batches.Sum(b => b.GetProperty("count").GetInt32()) >= sent.Count && batches.All(b => b.GetProperty("status").GetString() == "Anchored")) return batches;
            // Thrown (not returned) so that a timeout reports how far anchoring got.
            throw new InvalidOperationException("batches so far: " +
                string.Join(", ", batches.Select(b => $"{b.GetProperty("batchSeq")}:{b.GetProperty("firstSeq")}-{b.GetProperty("lastSeq")} {b.GetProperty("status")}")));
        }, "every reading to be anchored", TimeSpan.FromSeconds(120));

        // Readings in equal readings anchored: the batches cover 1..N exactly, without gap or overlap.
        var covered = anchored.SelectMany(b => LongRange(b.GetProperty("firstSeq").GetInt64(), b.GetProperty("lastSeq").GetInt64())).ToList();
        covered.Order().ShouldBe(sent.Select(r => r.Seq).Order());
        anchored.Select(b => b.GetProperty("roundId").GetInt64()).Distinct().Count().ShouldBeGreaterThan(1, "several rounds were committed");

        // Telemetry's read side holds each reading once, byte for byte what the box signed.
        var stored = await ReadingsAsync();
        stored.Count.ShouldBe(sent.Count);

        // Every reading's proof verifies against the chain alone, with the consortium's anchor contract named by the verifier.
        var web3 = new Web3(stack.Environment.RpcUrl.ToString());
        var options = new ProofVerifierOptions { ExpectedAnchor = stack.AnchorAddress };
        ReadingProof? last = null;
        foreach (var reading in sent)
        {
            last = ReadingProof.FromJson(await stack.Customer.GetStringAsync($"/api/anchoring/proofs/{stack.MachineId}/{reading.Seq}"));
            last.Reading.ShouldBe(Encoding.UTF8.GetString(reading.Canonical()));
            var verification = await ProofVerifier.VerifyAsync(last, web3, options);
            verification.Verified.ShouldBeTrue(ProofVerifier.Describe(verification));
        }

        // The same proof with one count changed no longer reaches the root on chain.
        var altered = last! with { Reading = last.Reading!.Replace("\"produced\":3", "\"produced\":4", StringComparison.Ordinal) };
        altered.Reading.ShouldNotBe(last.Reading);
        var refused = await ProofVerifier.VerifyAsync(altered, web3, options);
        refused.Verified.ShouldBeFalse();
        refused.Checks.Single(c => c.Name == "reading-in-batch").Passed.ShouldBeFalse(ProofVerifier.Describe(refused));
    }

    private async Task<List<JsonElement>> AnchoringBatchesAsync()
    {
        var batches = new List<JsonElement>();
        for (var seq = 1L; ; seq++)
        {
            using var response = await stack.Customer.GetAsync($"/api/anchoring/machines/{stack.MachineId}/batches/{seq}");
            if (response.StatusCode == HttpStatusCode.NotFound) return batches;
            response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            batches.Add(await response.Content.ReadFromJsonAsync<JsonElement>());
        }
    }

    private async Task<List<JsonElement>> ReadingsAsync()
    {
        var result = new List<JsonElement>();
        string? next = $"/api/telemetry/machines/{stack.MachineId}/readings?pageSize=5000";
        while (next is not null)
        {
            var page = await stack.Customer.GetFromJsonAsync<JsonElement>(next);
            result.AddRange(page.GetProperty("readings").EnumerateArray());
            next = page.GetProperty("next").GetString();
        }
        return result;
    }

    private static IEnumerable<long> LongRange(long first, long last)
    {
        for (var i = first; i <= last; i++) yield return i;
    }
}

internal static class GatewayJson
{
    public static async Task<JsonElement> PostAcceptedAsync(this HttpClient client, string path, object? body)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> WaitForAsync(this HttpClient client, string path, Func<JsonElement, bool> condition, string what) =>
        (JsonElement)await Eventually.GetAsync<object>(async () =>
        {
            using var response = await client.GetAsync(path);
            if (response.StatusCode != HttpStatusCode.OK) return null;
            var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            return condition(json) ? json : null;
        }, what, TimeSpan.FromSeconds(90));
}
