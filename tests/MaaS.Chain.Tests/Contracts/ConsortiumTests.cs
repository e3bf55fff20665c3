using System.Numerics;
using System.Text.Json;
using MaaS.Testing;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Hex.HexTypes;
using Nethereum.Signer;
using Shouldly;

namespace MaaS.Chain.Tests.Contracts;

/// <summary>Consortium: operator hand-over, invitations (expiry, single use, front-running), roles, revocation, accreditations, faucet, directory.</summary>
[Trait("Category", "Integration")]
public sealed class ConsortiumTests(ChainWorld world) : IClassFixture<ChainWorld>
{
    private static readonly BigInteger Ether = BigInteger.Pow(10, 18);

    private ChainContract Consortium => world.Consortium;

    private async Task<(int Roles, long Since)> MemberInfoAsync(ChainActor who)
    {
        var info = await Consortium.ViewAsync("memberInfo", who.Address);
        return (info.Int("roles"), info.Long("since"));
    }

    [Fact]
    public async Task TransferOperator_TakesEffectOnlyWhenThePendingOperatorAccepts()
    {
        var successor = await world.NewActorAsync("successor");
        var started = (await Consortium.SendAsync(world.Operator, "transferOperator", successor.Address)).Event(Consortium, "OperatorTransferStarted");
        (started.Addr("operator"), started.Addr("pendingOperator")).ShouldBe((world.Operator.Address, successor.Address));
        (await Consortium.ViewAsync("pendingOperator")).Addr(0).ShouldBe(successor.Address);
        (await Consortium.ViewAsync("operator")).Addr(0).ShouldBe(world.Operator.Address, "nothing changes before acceptance");
        ChainContract.Describe(await Consortium.RefusalAsync(world.Outsider, "acceptOperator")).ShouldBe("NotPendingOperator");
        ChainContract.Describe(await Consortium.RefusalAsync(successor, "setGasAllowance", BigInteger.One)).ShouldBe("NotOperator");

        var transferred = (await Consortium.SendAsync(successor, "acceptOperator")).Event(Consortium, "OperatorTransferred");
        (transferred.Addr("previousOperator"), transferred.Addr("newOperator")).ShouldBe((world.Operator.Address, successor.Address));
        (await Consortium.ViewAsync("operator")).Addr(0).ShouldBe(successor.Address);
        (await Consortium.ViewAsync("pendingOperator")).Addr(0).ShouldBe("0x0000000000000000000000000000000000000000");
        ChainContract.Describe((await Consortium.MinedRefusalAsync(world.Operator, "setGasAllowance", BigInteger.One)).Error).ShouldBe("NotOperator");
        ChainContract.Describe(await world.Anchor.RefusalAsync(world.Operator, "grantAnchorer", world.Outsider.Address)).ShouldBe("NotOperator", "TelemetryAnchor follows the consortium's operator");

        await Consortium.SendAsync(successor, "transferOperator", world.Operator.Address);
        await Consortium.SendAsync(world.Operator, "acceptOperator");
        (await Consortium.ViewAsync("operator")).Addr(0).ShouldBe(world.Operator.Address);
    }

    [Fact]
    public async Task RedeemInvitation_ByTheInvitee_MakesItAMemberWithTheInvitedRoles_AndDeletesTheInvitation()
    {
        var invitee = await world.NewActorAsync("invitee-" + Guid.NewGuid().ToString("N")[..6]);
        var code = EthECKey.GenerateKey();
        var inviteId = code.GetPublicAddress().ToLowerInvariant();
        var expiresAt = await world.LatestTimestampAsync() + 3_600;
        var created = (await Consortium.SendAsync(world.Operator, "createInvitation", inviteId, Roles.Oem | Roles.Maintainer, expiresAt)).Event(Consortium, "InvitationCreated");
        (created.Addr("inviteId"), created.Int("roles"), created.Long("expiresAt")).ShouldBe((inviteId, 5, expiresAt));
        var pending = await Consortium.ViewAsync("invitationInfo", inviteId);
        (pending.Int("roles"), pending.Long("expiresAt")).ShouldBe((5, expiresAt));

        Ids.Hex((byte[])(await Consortium.ViewAsync("redemptionHash", invitee.Address))[0]!).ShouldBe(Ids.Hex(world.RedemptionHash(invitee.Address)),
            "the documented formula keccak256(abi.encode(REDEEM_TAG, consortium, chainId, redeemer))");
        var redeem = await Consortium.SendAsync(invitee, "redeemInvitation", world.RedemptionSignature(code, invitee.Address));
        var joined = redeem.Event(Consortium, "MemberJoined");
        (joined.Addr("member"), joined.Addr("inviteId"), joined.Int("roles")).ShouldBe((invitee.Address, inviteId, 5));

        var block = await world.Reader.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(redeem.Receipt.BlockNumber);
        (await MemberInfoAsync(invitee)).ShouldBe((5, (long)block.Timestamp.Value));
        (await Consortium.ViewAsync("isMember", invitee.Address)).Bool(0).ShouldBeTrue();
        (await Consortium.ViewAsync("hasRole", invitee.Address, Roles.Oem)).Bool(0).ShouldBeTrue();
        (await Consortium.ViewAsync("hasRole", invitee.Address, Roles.Maintainer)).Bool(0).ShouldBeTrue();
        (await Consortium.ViewAsync("hasRole", invitee.Address, Roles.Customer)).Bool(0).ShouldBeFalse();
        (await Consortium.ViewAsync("hasRole", invitee.Address, Roles.Oem | Roles.Customer)).Bool(0).ShouldBeFalse("hasRole needs every bit");
        (await Consortium.ViewAsync("invitationInfo", inviteId)).Int("roles").ShouldBe(0, "a redeemed invitation is deleted");
    }

    [Fact]
    public async Task RedeemInvitation_WorksOnlyOnce()
    {
        var code = await world.InviteAsync(Roles.Customer);
        var first = await world.NewActorAsync("first-" + Guid.NewGuid().ToString("N")[..6]);
        var second = await world.NewActorAsync("second-" + Guid.NewGuid().ToString("N")[..6]);
        await Consortium.SendAsync(first, "redeemInvitation", world.RedemptionSignature(code, first.Address));

        var again = await Consortium.MinedRefusalAsync(second, "redeemInvitation", world.RedemptionSignature(code, second.Address));
        ChainContract.Describe(again.Error).ShouldBe($"InvitationNotFound({code.GetPublicAddress().ToLowerInvariant()})");
        (await Consortium.ViewAsync("isMember", second.Address)).Bool(0).ShouldBeFalse();
    }

    [Fact]
    public async Task RedeemInvitation_SignatureCopiedByAFrontRunner_FailsForThem_AndTheInviteeStillRedeems()
    {
        var code = await world.InviteAsync(Roles.Oem);
        var invitee = await world.NewActorAsync("invitee-" + Guid.NewGuid().ToString("N")[..6]);
        var thief = await world.NewActorAsync("thief-" + Guid.NewGuid().ToString("N")[..6]);
        var signature = world.RedemptionSignature(code, invitee.Address);

        var stolen = await Consortium.MinedRefusalAsync(thief, "redeemInvitation", signature);
        var recovered = new EthereumMessageSigner().EcRecover(world.RedemptionHash(thief.Address), signature.ToHex(true)).ToLowerInvariant();
        recovered.ShouldNotBe(code.GetPublicAddress().ToLowerInvariant());
        ChainContract.Describe(stolen.Error).ShouldBe($"InvitationNotFound({recovered})", "the copied signature recovers some other key for the thief");
        (await Consortium.ViewAsync("isMember", thief.Address)).Bool(0).ShouldBeFalse();

        await Consortium.SendAsync(invitee, "redeemInvitation", signature);
        (await MemberInfoAsync(invitee)).Roles.ShouldBe(Roles.Oem);
    }

    [Fact]
    public async Task RedeemInvitation_UntilItsLastSecondOnly()
    {
        var now = await world.LatestTimestampAsync();
        var (onTime, late) = (await world.NewActorAsync("on-time"), await world.NewActorAsync("late"));
        var expiresAt = now + 1_000;
        var codeOnTime = await world.InviteAsync(Roles.Customer, expiresAt);
        var codeLate = await world.InviteAsync(Roles.Customer, expiresAt);

        await world.RpcAsync<object>("evm_setNextBlockTimestamp", new HexBigInteger(expiresAt).HexValue);
        var redeemed = await Consortium.SendUnsimulatedAsync(onTime, "redeemInvitation", 200_000, world.RedemptionSignature(codeOnTime, onTime.Address));
        redeemed.Succeeded.ShouldBeTrue("block.timestamp == expiresAt is still in time");

        await world.RpcAsync<object>("evm_setNextBlockTimestamp", new HexBigInteger(expiresAt + 1).HexValue);
        var expired = await Consortium.MinedRefusalAsync(late, "redeemInvitation", world.RedemptionSignature(codeLate, late.Address));
        ChainContract.Describe(expired.Error).ShouldBe($"InvitationExpired({codeLate.GetPublicAddress().ToLowerInvariant()})");
    }

    [Fact]
    public async Task CancelInvitation_MakesItUnredeemable()
    {
        var code = await world.InviteAsync(Roles.Maintainer);
        var inviteId = code.GetPublicAddress().ToLowerInvariant();
        (await Consortium.SendAsync(world.Operator, "cancelInvitation", inviteId)).Event(Consortium, "InvitationCancelled").Addr("inviteId").ShouldBe(inviteId);
        (await Consortium.ViewAsync("invitationInfo", inviteId)).Int("roles").ShouldBe(0);
        var invitee = await world.NewActorAsync("cancelled-invitee");
        ChainContract.Describe(await Consortium.RefusalAsync(invitee, "redeemInvitation", world.RedemptionSignature(code, invitee.Address))).ShouldBe($"InvitationNotFound({inviteId})");
    }

    [Fact]
    public async Task RedeemInvitation_MalleatedOrMalformedSignatures_AreRefused_ButVAsZeroOrOneIsAccepted()
    {
        var code = await world.InviteAsync(Roles.Customer);
        var invitee = await world.NewActorAsync("strict-" + Guid.NewGuid().ToString("N")[..6]);
        var signature = world.RedemptionSignature(code, invitee.Address);

        foreach (var (bad, what) in new[]
        {
            (Signatures.Malleated(signature), "high s (the malleated twin of a valid signature)"),
            (Signatures.WithV(signature, 29), "v = 29"),
            (signature[..64], "64 bytes"),
            ([.. signature, 0], "66 bytes"),
            (new byte[65], "all zero"),
        })
            ChainContract.Describe(await Consortium.RefusalAsync(invitee, "redeemInvitation", bad)).ShouldBe("InvalidSignature", what);

        await Consortium.SendAsync(invitee, "redeemInvitation", Signatures.WithV(signature, signature[64] - 27));
        (await MemberInfoAsync(invitee)).Roles.ShouldBe(Roles.Customer);
        var again = await world.InviteAsync(Roles.Oem);
        ChainContract.Describe(await Consortium.RefusalAsync(invitee, "redeemInvitation", world.RedemptionSignature(again, invitee.Address))).ShouldBe($"AlreadyMember({invitee.Address})");
    }

    [Fact]
    public async Task SetMemberRoles_ReplacesTheRoles_AndRevokeMember_RemovesThemAll_UntilANewInvitation()
    {
        var member = await world.MemberAsync("reshaped-" + Guid.NewGuid().ToString("N")[..6], Roles.Customer);
        var since = (await MemberInfoAsync(member)).Since;
        var changed = (await Consortium.SendAsync(world.Operator, "setMemberRoles", member.Address, Roles.Oem | Roles.Customer)).Event(Consortium, "MemberRolesChanged");
        (changed.Addr("member"), changed.Int("roles")).ShouldBe((member.Address, 3));
        (await MemberInfoAsync(member)).ShouldBe((3, since));

        (await Consortium.SendAsync(world.Operator, "revokeMember", member.Address)).Event(Consortium, "MemberRevoked").Addr("member").ShouldBe(member.Address);
        (await MemberInfoAsync(member)).ShouldBe((0, since), "revocation keeps the join time");
        (await Consortium.ViewAsync("isMember", member.Address)).Bool(0).ShouldBeFalse();
        (await Consortium.ViewAsync("hasRole", member.Address, Roles.Customer)).Bool(0).ShouldBeFalse();
        ChainContract.Describe(await Consortium.RefusalAsync(world.Operator, "revokeMember", member.Address)).ShouldBe($"NotMember({member.Address})");

        await world.JoinAsync(member, Roles.Maintainer);
        (await MemberInfoAsync(member)).Roles.ShouldBe(Roles.Maintainer, "a revoked account may be invited again");
    }

    [Fact]
    public async Task Accredit_IsPerOemModelAndRegion_AllRegionsCoversEveryRegion_AndItCanBeWithdrawn()
    {
        var maintainer = await world.MemberAsync("accredited-" + Guid.NewGuid().ToString("N")[..6], Roles.Maintainer);
        var model = Ids.Ascii("LATHE-" + Guid.NewGuid().ToString("N")[..6]);
        async Task<bool> AccreditedAsync(ChainActor oem, byte[] m, int region) => (await Consortium.ViewAsync("isAccredited", oem.Address, m, region, maintainer.Address)).Bool(0);

        var e = (await Consortium.SendAsync(world.Oem, "accredit", model, 7, maintainer.Address)).Event(Consortium, "MaintainerAccredited");
        (e.Addr("oem"), e.Addr("maintainer"), e.Hex("model"), e.Int("region")).ShouldBe((world.Oem.Address, maintainer.Address, Ids.Hex(model), 7));
        await Consortium.SendAsync(world.Oem, "accredit", model, 1_000, maintainer.Address);
        (await AccreditedAsync(world.Oem, model, 7)).ShouldBeTrue();
        (await AccreditedAsync(world.Oem, model, 8)).ShouldBeFalse();
        (await AccreditedAsync(world.Oem, model, 1_000)).ShouldBeTrue("regions above 254 have a word of their own");
        (await AccreditedAsync(world.Oem, model, 1_001)).ShouldBeFalse();
        (await AccreditedAsync(world.Oem, model, ChainWorld.AllRegions)).ShouldBeFalse("a regional accreditation is not a global one");
        (await AccreditedAsync(world.Oem, ChainWorld.Model, 7)).ShouldBeFalse("another model");
        (await AccreditedAsync(world.Oem2, model, 7)).ShouldBeFalse("another OEM");

        await Consortium.SendAsync(world.Oem2, "accredit", model, ChainWorld.AllRegions, maintainer.Address);
        foreach (var region in new[] { 0, 7, 254, 255, 1_000, 65_534 }) (await AccreditedAsync(world.Oem2, model, region)).ShouldBeTrue($"all regions covers {region}");
        (await AccreditedAsync(world.Oem2, model, ChainWorld.AllRegions)).ShouldBeTrue();

        var withdrawn = (await Consortium.SendAsync(world.Oem, "withdrawAccreditation", model, 7, maintainer.Address)).Event(Consortium, "AccreditationWithdrawn");
        (withdrawn.Addr("oem"), withdrawn.Int("region")).ShouldBe((world.Oem.Address, 7));
        (await AccreditedAsync(world.Oem, model, 7)).ShouldBeFalse();
        (await AccreditedAsync(world.Oem, model, 1_000)).ShouldBeTrue("other accreditations stay");
        ChainContract.Describe(await Consortium.RefusalAsync(world.Oem, "withdrawAccreditation", model, 7, maintainer.Address)).ShouldBe("NotAccredited");
        await Consortium.SendAsync(world.Oem, "accredit", model, 7, maintainer.Address);

        await Consortium.SendAsync(world.Operator, "setMemberRoles", maintainer.Address, Roles.Customer);
        (await AccreditedAsync(world.Oem, model, 7)).ShouldBeFalse("accreditations count only while the account is a Maintainer");
        (await AccreditedAsync(world.Oem2, model, 3)).ShouldBeFalse();
    }

    [Fact]
    public async Task TopUp_BringsTheMembersBalanceExactlyToTheAllowance_AndSendsNothingWhenAlreadyThere()
    {
        var funded = (await Consortium.SendAsync(world.Operator, "setGasAllowance", 2 * Ether)).Event(Consortium, "GasAllowanceSet");
        funded.Num("allowance").ShouldBe(2 * Ether);
        (await Consortium.ViewAsync("gasAllowance")).Num(0).ShouldBe(2 * Ether);
        var faucetFunded = await FundFaucetAsync(10 * Ether);
        (faucetFunded.Addr("from"), faucetFunded.Num("amount")).ShouldBe((world.Operator.Address, 10 * Ether));

        var member = await world.MemberAsync("thirsty-" + Guid.NewGuid().ToString("N")[..6], Roles.Customer);
        await world.SetBalanceAsync(member.Address, Ether / 4);
        var faucetBefore = await world.BalanceAsync(Consortium.Address);

        var topped = (await Consortium.SendAsync(world.Operator, "topUp", member.Address)).Event(Consortium, "MemberToppedUp");
        (topped.Addr("member"), topped.Num("amount")).ShouldBe((member.Address, 2 * Ether - Ether / 4));
        (await world.BalanceAsync(member.Address)).ShouldBe(2 * Ether);
        (await world.BalanceAsync(Consortium.Address)).ShouldBe(faucetBefore - (2 * Ether - Ether / 4));

        var again = await Consortium.SendAsync(world.Operator, "topUp", member.Address);
        again.LogCount.ShouldBe(0, "nothing to send: no event");
        (await world.BalanceAsync(member.Address)).ShouldBe(2 * Ether);
        ChainContract.Describe(await Consortium.RefusalAsync(world.Operator, "topUp", world.Outsider.Address)).ShouldBe($"NotMember({world.Outsider.Address})");
    }

    [Fact]
    public async Task WithdrawFaucet_SendsTheAmountToTheRecipient()
    {
        await FundFaucetAsync(3 * Ether);
        var recipient = await world.NewActorAsync("treasury");
        var before = await world.BalanceAsync(recipient.Address);
        var withdrawn = (await Consortium.SendAsync(world.Operator, "withdrawFaucet", recipient.Address, Ether)).Event(Consortium, "FaucetWithdrawn");
        (withdrawn.Addr("to"), withdrawn.Num("amount")).ShouldBe((recipient.Address, Ether));
        (await world.BalanceAsync(recipient.Address)).ShouldBe(before + Ether);
    }

    [Fact]
    public async Task PublishContract_RecordsTheLatestPublicationPerName()
    {
        using var publication = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "contracts/solidity/artifacts/publication.json")));
        var sourceCid = publication.RootElement.GetProperty("sourceCid").GetString()!.HexToByteArray();
        var settingsHash = publication.RootElement.GetProperty("compilerSettingsHash").GetString()!.HexToByteArray();
        foreach (var contract in new[] { world.Consortium, world.Registry, world.Invoicing, world.Maintenance, world.Anchor })
        {
            var tx = await Consortium.SendAsync(world.Operator, "publishContract", Ids.Ascii(contract.Name), contract.Address, sourceCid, settingsHash);
            var e = tx.Event(Consortium, "ContractPublished");
            (e.Hex("name"), e.Addr("addr"), e.Hex("sourceCid"), e.Hex("compilerSettingsHash")).ShouldBe((Ids.Hex(Ids.Ascii(contract.Name)), contract.Address, Ids.Hex(sourceCid), Ids.Hex(settingsHash)));
            var entry = await Consortium.ViewAsync("publishedContract", Ids.Ascii(contract.Name));
            (entry.Addr("addr"), entry.Hex("sourceCid"), entry.Hex("compilerSettingsHash"), entry.Long("blockNumber")).ShouldBe((contract.Address, Ids.Hex(sourceCid), Ids.Hex(settingsHash), tx.BlockNumber));
        }

        var redeployed = await world.DeployAsync("TelemetryAnchor", world.Consortium.Address);
        var newCid = Ids.Digest("new source bundle");
        await Consortium.SendAsync(world.Operator, "publishContract", Ids.Ascii("TelemetryAnchor"), redeployed.Address, newCid, settingsHash);
        var latest = await Consortium.ViewAsync("publishedContract", Ids.Ascii("TelemetryAnchor"));
        (latest.Addr("addr"), latest.Hex("sourceCid")).ShouldBe((redeployed.Address, Ids.Hex(newCid)), "the directory keeps the latest publication");
        (await Consortium.ViewAsync("publishedContract", Ids.Ascii("Unknown"))).Addr("addr").ShouldBe("0x0000000000000000000000000000000000000000");
    }

    private async Task<Values> FundFaucetAsync(BigInteger wei)
    {
        var receipt = await world.Operator.Web3.Eth.GetEtherTransferService().TransferEtherAndWaitForReceiptAsync(Consortium.Address, Nethereum.Web3.Web3.Convert.FromWei(wei), gas: new BigInteger(100_000));
        receipt.Status.Value.ShouldBe(1);
        return new Tx(receipt).Event(Consortium, "FaucetFunded");
    }
}
