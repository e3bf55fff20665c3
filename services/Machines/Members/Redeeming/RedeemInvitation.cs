using FluentValidation;
using MaaS.Chain.Contracts;
using MaaS.Chain.Transactions;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Hosting;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using MaaS.Machines.Members.Inviting;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Signer;
using Nethereum.Web3;

namespace MaaS.Machines.Members.Redeeming;

public sealed record RedeemInvitationRequest(string Code, string? Name);

public sealed class RedeemInvitationValidator : AbstractValidator<RedeemInvitationRequest>
{
    public RedeemInvitationValidator()
    {
        RuleFor(r => r.Code).NotEmpty().Matches("^0x[0-9a-fA-F]{64}$").WithMessage("The code is the 0x-prefixed 64-hex-digit code of the invitation.");
        RuleFor(r => r.Name).MaximumLength(100);
    }
}

/// <param name="ApiKey">The member's first API key (write scope): shown only now.</param>
public sealed record RedemptionResponse(Guid MemberId, string Account, string ApiKey, Guid OperationId, string Operation);

public static class RedeemInvitation
{
    public static RouteGroupBuilder MapRedeemInvitation(this RouteGroupBuilder members)
    {
        // Anonymous on purpose: the invitee has no key yet. The one-time code is the credential.
        members.MapPost("/redemptions", Redeem).AllowAnonymous();
        return members;
    }

    /// <summary>
    /// This deployment makes the new member's signing key, the operator's faucet gives it gas, then the member redeems
    /// the invitation on chain with the code's signature over its own address. The API key works at once; roles
    /// follow when the chain says the member joined.
    /// </summary>
    private static async Task<Accepted<RedemptionResponse>> Redeem(
        RedeemInvitationRequest request, IDocumentSession session, IConsortium consortium, IWeb3 web3, PostgresKeyStore keys, OperationRunner operations,
        ConsortiumOptions consortiumOptions, ServiceIdentity service, TimeProvider clock, CancellationToken ct)
    {
        var code = new EthECKey(request.Code);
        var inviteId = code.GetPublicAddress().ToLowerInvariant();
        // A redeemed invitation is deleted on chain: look at our own record first, or a reused code would read as unknown.
        var invitation = await session.LoadAsync<InvitationView>(inviteId, ct);
        if (invitation?.RedeemedBy is { } redeemedBy) throw DomainException.Conflict("invitation-redeemed", $"Invitation {inviteId} was already redeemed by member {redeemedBy}.");
        var onChain = await consortium.InvitationAsync(inviteId, ct) ?? throw DomainException.NotFound("Invitation", inviteId);
        // The contract compares the expiry with block time, not with our clock.
        if (onChain.ExpiresAt < await ChainTime.NowAsync(web3))
            throw DomainException.Unprocessable("invitation-expired", $"Invitation {inviteId} expired at {onChain.ExpiresAt:u} (chain time).");
        var operatorAccount = consortiumOptions.OperatorAccount
            ?? throw DomainException.Conflict("no-operator", "This deployment does not hold the operator's key, so it cannot give a new member gas.");

        var name = request.Name ?? invitation?.Name ?? "member";
        var account = (await keys.CreateAsync(name, ct)).ToLowerInvariant();
        var memberId = MemberIds.For(account);
        var signature = new EthereumMessageSigner().Sign(await consortium.RedemptionHashAsync(account, ct), code).HexToByteArray();
        var apiKey = ApiKeys.Generate();
        var now = clock.GetUtcNow();
        var asMember = new MemberIdentity(memberId, name, ServiceDefaults.Identity.MemberRoles.None, account, KeyScope.Write);

        var operation = await operations.StartAsync(RedemptionOperationId(memberId, inviteId), "redeem-invitation", asMember, inviteId,
            [
                // Not the faucet: it only serves members, and the invitee is not one until it redeems.
                new OperationStep("fund", operatorAccount, account, "0x", consortiumOptions.StarterGasWei.ToString(System.Globalization.CultureInfo.InvariantCulture), 21_000),
                new OperationStep("redeemInvitation", account, consortium.Address, consortium.RedeemInvitation("", account, signature).Data),
            ],
            async (s, token) =>
            {
                (await s.Events.FetchForWriting<MemberView>(memberId, token)).AppendMany(
                    new MemberKeyHeld(memberId, account, name, IsOperator: false, now),
                    new ApiKeyIssued(memberId, ApiKeys.Hash(apiKey), KeyScope.Write, now));
                s.Store(new ApiKeyDocument(ApiKeys.Hash(apiKey), memberId, KeyScope.Write, now, null));
                if (invitation is not null) s.Store(invitation with { RedeemedBy = memberId });
            }, ct);
        return TypedResults.Accepted(service.Location(operation.Id), new RedemptionResponse(memberId, account, apiKey, operation.Id, service.Location(operation.Id)));
    }

    private static Guid RedemptionOperationId(Guid memberId, string inviteId) =>
        new(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"redeem/{inviteId}/{memberId}")).AsSpan(0, 16));
}
