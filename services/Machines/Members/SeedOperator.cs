using MaaS.Chain.Transactions;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Nethereum.Signer;

namespace MaaS.Machines.Members;

public sealed class ConsortiumOptions
{
    public const string Section = "Consortium";

    /// <summary>The consortium operator's private key, when this deployment is the operator's (hex).</summary>
    public string? OperatorPrivateKey { get; set; }

    /// <summary>An API key for the operator, so it can invite the first members (shown to nobody; set by whoever deploys).</summary>
    public string? OperatorApiKey { get; set; }

    /// <summary>What the operator sends a new member so it can pay for its redemption (the faucet serves members only).</summary>
    public System.Numerics.BigInteger StarterGasWei { get; set; } = System.Numerics.BigInteger.Pow(10, 17);

    public string? OperatorAccount => string.IsNullOrWhiteSpace(OperatorPrivateKey) ? null : new EthECKey(OperatorPrivateKey).GetPublicAddress().ToLowerInvariant();
}

/// <summary>
/// Makes the operator a member of this deployment at start-up: its key in the shared key store, its API key, its
/// member stream. Idempotent, so every start (and every instance) may run it.
/// </summary>
public sealed class SeedOperator(ConsortiumOptions options, IDocumentStore store, PostgresKeyStore keys, TimeProvider clock, ILogger<SeedOperator> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.OperatorAccount is not { } account) return;
        await keys.ImportAsync(options.OperatorPrivateKey!, "consortium operator", cancellationToken);
        var memberId = MemberIds.For(account);
        await using var session = store.LightweightSession();
        var stream = await session.Events.FetchForWriting<MemberView>(memberId, cancellationToken);
        if (stream.Aggregate?.IsOperator != true)
            stream.AppendOne(new MemberKeyHeld(memberId, account, "Consortium operator", IsOperator: true, clock.GetUtcNow()));
        if (!string.IsNullOrWhiteSpace(options.OperatorApiKey))
        {
            var hash = ApiKeys.Hash(options.OperatorApiKey);
            if (await session.LoadAsync<ApiKeyDocument>(hash, cancellationToken) is null)
            {
                stream.AppendOne(new ApiKeyIssued(memberId, hash, KeyScope.Write, clock.GetUtcNow()));
                session.Store(new ApiKeyDocument(hash, memberId, KeyScope.Write, clock.GetUtcNow(), null));
            }
        }
        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (JasperFx.ConcurrencyException)
        {
            // Another instance seeded it at the same moment.
        }
        logger.LogInformation("Consortium operator {Account} is member {MemberId}", account, memberId);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
