using System.Collections.Concurrent;
using System.Net.Http.Headers;
using MaaS.Chain.Contracts;
using MaaS.OffChain.Invoicing;
using MaaS.ServiceDefaults.Identity;
using Microsoft.Extensions.Options;

namespace MaaS.Invoicing.Batches;

/// <summary>
/// The readings of anchored batches, for a member of the machine's group whose key this deployment holds: decrypted by the
/// Anchoring service for that member (the service presents the member's identity, minted with the deployment's shared
/// identity key), then checked here against the anchored batch root, the round path and the round root on chain.
/// Nothing is taken on the Anchoring service's word.
/// </summary>
public sealed class BatchReadings(IHttpClientFactory http, IdentityTokens tokens, IOptions<InvoicingOptions> options, ITelemetryAnchor anchor)
{
    private readonly ConcurrentDictionary<string, AnchoredReadings> verified = new();
    private readonly ConcurrentDictionary<long, string> roundRoots = new();

    public async Task<AnchoredReadings> ReadAsync(MemberIdentity member, BatchAnchor batch, CancellationToken ct)
    {
        var key = $"{batch.Machine}/{batch.Batch}/{batch.Root}";
        if (verified.TryGetValue(key, out var known)) return known;
        if (!batch.LeafIsInRound()) throw new InvalidDataException($"Batch {batch.Batch}: its leaf is not in round {batch.RoundId} by the path given.");
        if (await RoundRootAsync(batch.RoundId, ct) != batch.RoundRoot)
            throw new InvalidDataException($"Batch {batch.Batch}: round {batch.RoundId}'s root on chain is not {batch.RoundRoot}.");

        using var client = http.CreateClient("anchoring");
        client.BaseAddress = options.Value.AnchoringUrl;
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/anchoring/machines/{batch.Machine}/batches/{batch.Batch}/readings");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.Mint(member));
        using var response = await client.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"Anchoring answered {(int)response.StatusCode} for the readings of batch {batch.Batch} of {batch.Machine}: {await response.Content.ReadAsStringAsync(ct)}");
        var readings = AnchoredReadings.FromLines(batch, await response.Content.ReadAsByteArrayAsync(ct));
        verified[key] = readings;
        return readings;
    }

    /// <summary>The round's root as the TelemetryAnchor contract holds it (hex); rounds never change once committed.</summary>
    public async Task<string> RoundRootAsync(long roundId, CancellationToken ct)
    {
        if (roundRoots.TryGetValue(roundId, out var root)) return root;
        var round = await anchor.RoundAsync((ulong)roundId, ct) ?? throw new InvalidDataException($"Round {roundId} is not on chain.");
        return roundRoots[roundId] = Convert.ToHexStringLower(round.Root);
    }
}
