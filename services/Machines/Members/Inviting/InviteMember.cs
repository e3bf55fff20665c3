using FluentValidation;
using MaaS.Chain.Contracts;
using MaaS.ServiceDefaults.Hosting;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Microsoft.AspNetCore.Http.HttpResults;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Signer;
using Nethereum.Web3;
using ChainRoles = MaaS.Chain.Contracts.MemberRoles;

namespace MaaS.Machines.Members.Inviting;

public sealed record InviteMemberRequest(string Name, IReadOnlyList<string> Roles, int ExpiresInHours = 72);

public sealed class InviteMemberValidator : AbstractValidator<InviteMemberRequest>
{
    public InviteMemberValidator()
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(100);
        RuleFor(r => r.Roles).NotEmpty().WithMessage("Give at least one role: oem, customer, maintainer.");
        RuleForEach(r => r.Roles).Must(role => role is not null && Invitations.RoleNames.ContainsKey(role)).WithMessage("Roles are oem, customer and maintainer.");
        RuleFor(r => r.ExpiresInHours).InclusiveBetween(1, 24 * 30);
    }
}

/// <summary>What an invitation is, here: the invitee's name and roles, and whether it has been redeemed (so a code is used once).</summary>
public sealed record InvitationView(string Id, string Name, int Roles, DateTimeOffset ExpiresAt, Guid InvitedBy, Guid OperationId, Guid? RedeemedBy);

/// <param name="Code">The one-time code: give it to the invitee by a channel you trust. It is never stored and shown only now.</param>
public sealed record InvitationResponse(string InvitationId, string Code, DateTimeOffset ExpiresAt, Guid OperationId, string Operation);

public static class Invitations
{
    public static readonly IReadOnlyDictionary<string, ChainRoles> RoleNames = new Dictionary<string, ChainRoles>(StringComparer.OrdinalIgnoreCase)
    {
        ["oem"] = ChainRoles.Oem, ["customer"] = ChainRoles.Customer, ["maintainer"] = ChainRoles.Maintainer,
    };

    public static RouteGroupBuilder MapInviteMember(this RouteGroupBuilder members)
    {
        members.MapPost("/invitations", Invite).RequireAuthorization(Policies.Operator, Policies.Write);
        return members;
    }

    /// <summary>
    /// The code is a fresh private key; the chain stores only its address (the invitation id), so a stolen database
    /// reveals no code, and the invitee proves it holds the code by signing for its own account.
    /// </summary>
    private static async Task<Accepted<InvitationResponse>> Invite(
        InviteMemberRequest request, HttpContext http, IConsortium consortium, IWeb3 web3, OperationRunner operations, ServiceIdentity service,
        CancellationToken ct)
    {
        var member = http.Member();
        var code = EthECKey.GenerateKey();
        var inviteId = code.GetPublicAddress().ToLowerInvariant();
        var roles = request.Roles.Select(r => RoleNames[r]).Aggregate(ChainRoles.None, (a, r) => a | r);
        // On the chain's clock: the contract compares the expiry with block time, not with ours.
        var expiresAt = (await ChainTime.NowAsync(web3)).AddHours(request.ExpiresInHours);
        var operationId = http.OperationId(member);
        var operation = await operations.StartAsync(operationId, "invite-member", member, inviteId,
            [new OperationStep("createInvitation", member.Account, consortium.Address,
                consortium.CreateInvitation("", member.Account, inviteId, roles, expiresAt).Data)],
            (session, _) =>
            {
                session.Store(new InvitationView(inviteId, request.Name, (int)roles, expiresAt, member.MemberId, operationId, null));
                return Task.CompletedTask;
            }, ct);
        return TypedResults.Accepted(service.Location(operation.Id),
            new InvitationResponse(inviteId, code.GetPrivateKeyAsBytes().ToHex(true), expiresAt, operation.Id, service.Location(operation.Id)));
    }
}
