using System.Net;
using MaaS.Machines.Tests.Fixtures;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Signer;
using Shouldly;

namespace MaaS.Machines.Tests.Members;

/// <summary>An invitation code works once, only while the chain says it is valid, and only if the operator created it.</summary>
[Trait("Category", "Integration")]
public sealed class InvitationTests(ConsortiumFixture consortium) : IClassFixture<ConsortiumFixture>
{
    [Fact]
    public async Task Redeem_ACodeAlreadyRedeemed_Is409_BeforeAndAfterTheRedemptionIsOnChain()
    {
        var invitation = await consortium.InviteAsync("Second Factory", "customer");
        var first = await consortium.RedeemAsync(invitation.Code, "Second Factory");

        await RefusedAsync(invitation.Code, HttpStatusCode.Conflict, "invitation-redeemed");
        var member = new TestMember("Second Factory", "customer", first.MemberId, first.Account, first.ApiKey);
        await consortium.WaitForOperationAsync(member, first.OperationId);
        (await consortium.Chain.Consortium.InvitationAsync(invitation.InvitationId)).ShouldBeNull("a redeemed invitation is deleted on chain");
        await RefusedAsync(invitation.Code, HttpStatusCode.Conflict, "invitation-redeemed");
    }

    [Fact]
    public async Task Redeem_AfterTheInvitationExpiredOnChain_Is422_AndSendsNothing()
    {
        var invitation = await consortium.InviteAsync("Late Comer", "maintainer", expiresInHours: 1);
        (await consortium.Chain.Consortium.InvitationAsync(invitation.InvitationId)).ShouldNotBeNull().ExpiresAt.ShouldBe(invitation.ExpiresAt);
        // Only forward: the node is shared with other test runs, which never mind a later clock.
        await consortium.Chain.AdvanceTimeAsync(TimeSpan.FromHours(2));

        await RefusedAsync(invitation.Code, HttpStatusCode.UnprocessableEntity, "invitation-expired");
    }

    [Fact]
    public async Task Invite_SetsTheExpiryOnTheChainsClock()
    {
        var before = await consortium.Chain.NowAsync();
        var invitation = await consortium.InviteAsync("Punctual Parts", "oem", expiresInHours: 5);
        var after = await consortium.Chain.NowAsync();
        invitation.ExpiresAt.ShouldBeInRange(before.AddHours(5), after.AddHours(5));
        (await consortium.Chain.Consortium.InvitationAsync(invitation.InvitationId)).ShouldNotBeNull().ExpiresAt.ShouldBe(invitation.ExpiresAt);
    }

    [Fact]
    public async Task Redeem_ACodeNobodyIssued_Is404_AndSendsNothing()
    {
        await RefusedAsync(EthECKey.GenerateKey().GetPrivateKeyAsBytes().ToHex(true), HttpStatusCode.NotFound, "not-found");
    }

    /// <summary>Refused with this problem, and the operator (who would fund the newcomer) sends nothing.</summary>
    private async Task RefusedAsync(string code, HttpStatusCode status, string problem)
    {
        var nonce = await consortium.Chain.NonceAsync(consortium.Operator.Account);
        var ledger = await consortium.Chain.LedgerCountAsync(consortium.Operator.Account);
        using var response = await consortium.Anonymous.PostJsonAsync("/api/machines/members/redemptions", new { code, name = "Somebody" });
        await response.ShouldBeProblemAsync(status, problem);
        (await consortium.Chain.NonceAsync(consortium.Operator.Account)).ShouldBe(nonce);
        (await consortium.Chain.LedgerCountAsync(consortium.Operator.Account)).ShouldBe(ledger);
    }
}
