using MaaS.Chain.Transactions;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.Extensions.Options;
using Nethereum.Signer;

namespace MaaS.Anchoring.Anchorer;

/// <summary>The account that signs <c>commitRound</c>; known once the host has started (see <see cref="ResolveAnchorer"/>).</summary>
public sealed class AnchorerAccount
{
    private string? address;

    /// <summary>Lower-case 0x address.</summary>
    public string Address => address ?? throw new InvalidOperationException("The anchorer account is resolved when the host starts.");

    /// <summary>Who the anchorer's operations belong to (its member id is derived from its address like any member's).</summary>
    public MemberIdentity Identity => new(MemberIds.For(Address), "anchorer", MemberRoles.None, Address, KeyScope.Write);

    internal void Set(string value) => address = value.ToLowerInvariant();
}

/// <summary>The anchorer this service generated, when none is configured (its key is in the deployment's key store).</summary>
public sealed record AnchorerKeyDocument(string Id, string Address)
{
    public const string DocumentId = "anchorer";
}

/// <summary>
/// Resolves the anchorer before the chain follower and the round sender start: <c>Anchoring:AnchorerPrivateKey</c>, or else
/// the key this service generated on its first start (kept in the shared key store, its address in its schema).
/// </summary>
public sealed class ResolveAnchorer(
    AnchorerAccount account, IOptions<AnchoringOptions> options, IDocumentStore store, PostgresKeyStore keys, ILogger<ResolveAnchorer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(options.Value.AnchorerPrivateKey))
        {
            account.Set(new EthECKey(options.Value.AnchorerPrivateKey).GetPublicAddress());
            logger.LogInformation("Anchorer {Anchorer} (configured)", account.Address);
            return;
        }
        for (var attempt = 0; ; attempt++)
        {
            await using var session = store.LightweightSession();
            if (await session.LoadAsync<AnchorerKeyDocument>(AnchorerKeyDocument.DocumentId, cancellationToken) is { } known)
            {
                if (await keys.FindAsync(known.Address, cancellationToken) is null)
                    throw new InvalidOperationException($"The anchorer {known.Address} has no key in the deployment's key store; configure Anchoring:AnchorerPrivateKey.");
                account.Set(known.Address);
                logger.LogInformation("Anchorer {Anchorer} (generated earlier)", account.Address);
                return;
            }
            var address = (await keys.CreateAsync("anchoring anchorer", cancellationToken)).ToLowerInvariant();
            session.Insert(new AnchorerKeyDocument(AnchorerKeyDocument.DocumentId, address));
            try
            {
                await session.SaveChangesAsync(cancellationToken);
                account.Set(address);
                logger.LogInformation("Anchorer {Anchorer} (generated now)", address);
                return;
            }
            catch (JasperFx.DocumentAlreadyExistsException) when (attempt < 3)
            {
                // Another instance generated one at the same moment: use theirs (ours stays unused in the key store).
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
