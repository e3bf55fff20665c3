using System.Collections.Concurrent;
using MaaS.Chain.Contracts;
using MaaS.Chain.Contracts.Generated.Consortium;
using MaaS.Chain.Deployment;
using Marten;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;

namespace MaaS.Anchoring.Group;

public static class MemberKeys
{
    /// <summary>Folds a joining transaction's key into the member's document (insert or optimistic update: see the consumers).</summary>
    public static void RecordJoined(IDocumentSession session, MemberPublicKey? existing, string account, byte[] publicKey, string transactionHash, long block)
    {
        var key = (existing ?? new MemberPublicKey(account, null, null, 0, 0)) with
        {
            PublicKey = Convert.ToHexStringLower(publicKey),
            TransactionHash = transactionHash.ToLowerInvariant(),
            JoinedBlock = Math.Max(existing?.JoinedBlock ?? 0, block),
        };
        if (existing is null) session.Insert(key);
        else session.Store(key);
    }
}

/// <summary>
/// Finds the key of a group member whose <c>MemberJoined</c> never reached this service (it joined before the service's
/// queues existed, or the service's store was rebuilt): the Consortium's MemberJoined log with the member as topic 1 names
/// its joining transaction, whose signature gives the key. Each account is looked up at most twice a minute.
/// </summary>
public sealed class MemberKeyDiscovery(IWeb3 web3, IServiceProvider services, SenderPublicKeys senders, IDocumentStore store, TimeProvider clock,
    ILogger<MemberKeyDiscovery> logger)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> lastLookedUp = new(StringComparer.Ordinal);

    /// <returns>Whether any key was found.</returns>
    public async Task<bool> DiscoverAsync(IEnumerable<string> accounts, CancellationToken ct)
    {
        var found = false;
        foreach (var account in accounts)
        {
            var now = clock.GetUtcNow();
            if (lastLookedUp.TryGetValue(account, out var last) && now - last < TimeSpan.FromSeconds(30)) continue;
            lastLookedUp[account] = now;
            try
            {
                found |= await DiscoverAsync(account, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Looking up the joining transaction of {Account} on chain failed", account);
            }
        }
        return found;
    }

    private async Task<bool> DiscoverAsync(string account, CancellationToken ct)
    {
        var consortium = services.GetRequiredService<IConsortium>();
        var from = services.GetRequiredService<ChainDeployment>().DeploymentBlock;
        var logs = await web3.Eth.Filters.GetLogs.SendRequestAsync(new NewFilterInput
        {
            Address = [consortium.Address],
            FromBlock = new BlockParameter((ulong)Math.Max(0, from)),
            ToBlock = BlockParameter.CreateLatest(),
            Topics = [ContractEvents.SignatureOf<MemberJoinedEventDTO>(), "0x" + account[2..].PadLeft(64, '0')],
        }).WaitAsync(ct);
        if (logs is not { Length: > 0 }) return false;
        var joined = logs[^1];
        var publicKey = await senders.RecoverAsync(joined.TransactionHash, account, ct);
        await using var session = store.LightweightSession();
        var existing = await session.LoadAsync<MemberPublicKey>(account, ct);
        if (existing?.PublicKey is not null) return true;
        MemberKeys.RecordJoined(session, existing, account, publicKey, joined.TransactionHash, (long)joined.BlockNumber.Value);
        await session.SaveChangesAsync(ct);
        logger.LogInformation("Key of member {Account} found on chain in its joining transaction {Transaction}", account, joined.TransactionHash);
        return true;
    }
}
