using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MaaS.Chain.Contracts;
using MaaS.Chain.Transactions;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Marten;
using Microsoft.Extensions.Options;
using Nethereum.Signer;
using Nethereum.Web3;

namespace MaaS.Anchoring.Anchorer;

/// <summary>
/// Makes sure the anchorer may commit rounds and can pay for them. When it is not an anchorer (or is short of gas) and
/// this deployment holds the consortium operator's key (<c>Consortium:OperatorPrivateKey</c>), the operator funds it and
/// grants it (<c>grantAnchorer</c>) in one operation. Idempotent: the operation id is derived from the anchorer and an
/// attempt number, so a restart or a second instance joins the operation under way instead of sending another.
/// Without the operator's key it says what to ask the operator for, and checks again later.
/// </summary>
public sealed class GrantAnchorer(
    AnchorerAccount anchorer, IServiceProvider services, IWeb3 web3, OperationRunner operations, IDocumentStore store, IConfiguration configuration,
    IOptions<AnchoringOptions> options, TimeProvider clock, ILogger<GrantAnchorer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await EnsureAsync(stoppingToken)) return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (ChainRevertException ex) when (ex.ErrorName == "AlreadyAnchorer")
            {
                // Another instance granted it meanwhile.
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Setting up anchorer {Anchorer} failed", anchorer.Address);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
            await Task.Delay(delay, clock, stoppingToken);
        }
    }

    private async Task<bool> EnsureAsync(CancellationToken ct)
    {
        // Resolved here, not injected: the binding reads the deployment file, which may be missing or for another chain,
        // and that must make this loop retry rather than keep the host from starting.
        var anchor = services.GetRequiredService<ITelemetryAnchor>();
        var isAnchorer = await anchor.IsAnchorerAsync(anchorer.Address, ct);
        var balance = (await web3.Eth.GetBalance.SendRequestAsync(anchorer.Address).WaitAsync(ct)).Value;
        var funded = balance >= options.Value.AnchorerMinBalanceWei;
        if (isAnchorer && funded)
        {
            logger.LogInformation("Anchorer {Anchorer} may commit rounds (balance {Balance} wei)", anchorer.Address, balance);
            return true;
        }
        if (configuration["Consortium:OperatorPrivateKey"] is not { Length: > 0 } operatorKey)
        {
            logger.LogWarning("Anchorer {Anchorer} is {State}; this deployment does not hold the operator's key: ask the operator to {Action}",
                anchorer.Address, isAnchorer ? "short of gas" : "not an anchorer", isAnchorer ? "fund it" : $"call grantAnchorer({anchorer.Address}) on {anchor.Address}");
            await Task.Delay(TimeSpan.FromSeconds(30), clock, ct);
            return false;
        }

        var operatorAccount = new EthECKey(operatorKey).GetPublicAddress().ToLowerInvariant();
        var operationId = await CurrentOperationAsync(ct);
        await using (var query = store.QuerySession())
        {
            if (await query.LoadAsync<OperationView>(operationId, ct) is { IsTerminal: false })
                return false; // under way: look again shortly
        }
        var steps = new List<OperationStep>();
        if (!funded)
            steps.Add(new OperationStep("fund", operatorAccount, anchorer.Address, "0x", options.Value.AnchorerFundingWei.ToString(CultureInfo.InvariantCulture), 21_000));
        if (!isAnchorer)
            steps.Add(new OperationStep("grantAnchorer", operatorAccount, anchor.Address, anchor.GrantAnchorer("", operatorAccount, anchorer.Address).Data));
        var asOperator = new MemberIdentity(MemberIds.For(operatorAccount), "consortium operator", ServiceDefaults.Identity.MemberRoles.Operator, operatorAccount, KeyScope.Write);
        logger.LogInformation("Operator {Operator} sets up anchorer {Anchorer}: {Steps}", operatorAccount, anchorer.Address, string.Join(", ", steps.Select(s => s.Name)));
        await operations.StartAsync(operationId, "anchorer-setup", asOperator, anchorer.Address, steps, ct: ct);
        return false;
    }

    /// <summary>The first attempt whose operation does not exist or is still running: a finished one is never reused.</summary>
    private async Task<Guid> CurrentOperationAsync(CancellationToken ct)
    {
        await using var query = store.QuerySession();
        for (var attempt = 0; ; attempt++)
        {
            var id = OperationId(anchorer.Address, attempt);
            if (await query.LoadAsync<OperationView>(id, ct) is not { IsTerminal: true }) return id;
        }
    }

    private static Guid OperationId(string anchorer, int attempt)
    {
        var hash = SHA256.HashData(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"maas-anchoring-anchorer-setup:{anchorer}:{attempt}")));
        return new Guid(hash.AsSpan(0, 16));
    }
}
