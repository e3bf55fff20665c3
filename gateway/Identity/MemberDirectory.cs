using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using MaaS.ServiceDefaults.Identity;
using Microsoft.Extensions.Caching.Memory;
using Yarp.ReverseProxy;

namespace MaaS.Gateway.Identity;

/// <summary>
/// Resolves API keys and OIDC subjects to members by asking the Machines service, which owns membership (it stores
/// only key hashes). Answers are cached for <c>Gateway:Identity:CacheFor</c> (10 s). A revocation does not wait for
/// that: every instance forgets what it cached when Machines announces a revoked key or member
/// (<see cref="Events.Visibility.IdentityRevokedConsumer"/>); the cache time bounds only an expiry (a key rotated with an
/// overlap) and a revocation announced while the broker is unreachable.
/// </summary>
public sealed class MemberDirectory(
    IHttpClientFactory clients, IProxyStateLookup proxy, IdentityTokens tokens, IMemoryCache cache, IConfiguration configuration, ILogger<MemberDirectory> logger)
{
    private readonly TimeSpan cacheFor = configuration.GetValue("Gateway:Identity:CacheFor", TimeSpan.FromSeconds(10));

    // Every cached identity expires when this is cancelled: forgetting all is cheaper than knowing which keys a member had.
    private CancellationTokenSource generation = new();

    /// <summary>The gateway's own identity, for the internal endpoints that resolve callers.</summary>
    private static readonly MemberIdentity Gateway = new(Guid.Empty, "gateway", MemberRoles.Gateway, "", KeyScope.Read);

    public static string Hash(string apiKey) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));

    public Task<MemberIdentity?> ResolveApiKeyAsync(string apiKey, CancellationToken ct)
    {
        var hash = Hash(apiKey);
        return CachedAsync("key:" + hash, $"/internal/identities/{hash}", ct);
    }

    public Task<MemberIdentity?> ResolveMemberAsync(Guid memberId, KeyScope scope, CancellationToken ct) =>
        CachedAsync($"member:{memberId}:{scope}", $"/internal/members/{memberId}/identity?scope={scope}", ct);

    private async Task<MemberIdentity?> CachedAsync(string cacheKey, string path, CancellationToken ct)
    {
        if (cache.TryGetValue(cacheKey, out MemberIdentity? known)) return known;
        var member = await AskMachinesAsync(path, ct);
        // A member still waiting for the chain to confirm it is asked again every time, so its roles apply the moment it joins.
        if (member is not null && member.Roles != MemberRoles.None)
            cache.Set(cacheKey, member, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = cacheFor }
                .AddExpirationToken(new Microsoft.Extensions.Primitives.CancellationChangeToken(generation.Token)));
        return member;
    }

    /// <summary>Forgets every cached identity: the next request of each caller is resolved with Machines again.</summary>
    public void ForgetAll()
    {
        var previous = Interlocked.Exchange(ref generation, new CancellationTokenSource());
        previous.Cancel();
    }

    private async Task<MemberIdentity?> AskMachinesAsync(string path, CancellationToken ct)
    {
        var destinations = proxy.TryGetCluster("machines", out var cluster)
            ? cluster.Destinations.Values.Select(d => d.Model.Config.Address).ToList()
            : [];
        if (destinations.Count == 0) throw new InvalidOperationException("The gateway has no 'machines' cluster to resolve callers with.");
        var client = clients.CreateClient(nameof(MemberDirectory));
        foreach (var address in destinations.OrderBy(_ => Random.Shared.Next()))
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(address), path));
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.Mint(Gateway));
                using var response = await client.SendAsync(request, ct);
                if (response.StatusCode == HttpStatusCode.NotFound) return null;
                response.EnsureSuccessStatusCode();
                return await response.Content.ReadFromJsonAsync<MemberIdentity>(ct);
            }
            catch (HttpRequestException ex)
            {
                logger.LogWarning(ex, "Machines instance {Address} could not resolve a caller", address);
            }
        }
        throw new HttpRequestException("No Machines instance could resolve the caller.");
    }
}
