using System.Numerics;
using MaaS.Chain.Contracts;
using MaaS.Chain.Tests.Transactions;
using MaaS.Chain.Transactions;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Hex.HexTypes;
using Nethereum.Signer;
using Shouldly;
using InvoicingAbi = MaaS.Chain.Contracts.Generated.Invoicing;
using MaintenanceAbi = MaaS.Chain.Contracts.Generated.Maintenance;
using RegistryAbi = MaaS.Chain.Contracts.Generated.MachineRegistry;

namespace MaaS.Chain.Tests.Deployment;

/// <summary>The bindings end to end: requests built by the interfaces, sent by <see cref="ITransactionWriter"/>, read back through the views.</summary>
[Trait("Category", "Integration")]
public sealed class ContractBindingTests(DeploymentFixture chain, LedgerFixture ledger) : IClassFixture<DeploymentFixture>, IClassFixture<LedgerFixture>
{
    [Fact]
    public async Task RegisterMachine_ThroughTheBindingAndTheWriter_ReadsBackThroughTheView_AndItsEventDecodes()
    {
        var scene = await SceneAsync();
        var machineId = Bytes32.FromGuid(Guid.NewGuid());
        var registration = new MachineRegistration(machineId, scene.Customer, Bytes32.FromAscii("press-3000"), 7, Hash(1), scene.Device, 60, Hash(2));

        var sent = await scene.SendAsync(scene.Registry.Register($"register/{Bytes32.ToHex(machineId)}", scene.Oem, registration));

        var machine = (await scene.Registry.MachineAsync(machineId)).ShouldNotBeNull();
        machine.ShouldBeEquivalentTo(new MachineOnChain(scene.Oem, scene.Customer, Bytes32.FromAscii("press-3000"), 7, scene.Device, 60,
            MachineState.Registered, TerminationRequests.None));
        (await scene.Registry.TicketAsync(machineId)).ShouldBe(new TicketOnChain(0, TicketStatus.None, TicketKind.None, SelectionMode.FirstComeFirstServed, null));
        (await scene.Registry.MachineAsync(Bytes32.FromGuid(Guid.NewGuid()))).ShouldBeNull();

        var receipt = await chain.Reader().Eth.Transactions.GetTransactionReceipt.SendRequestAsync(sent.Hash);
        var log = receipt.Logs.ShouldHaveSingleItem();
        var topics = log.Topics.Select(t => t.ToString()!).ToList();
        var data = log.Data;
        ContractEvents.TryDecode<RegistryAbi.MachineRegisteredEventDTO>(topics, data, out var registered).ShouldBeTrue();
        registered.MachineId.ShouldBe(machineId);
        registered.Oem.ShouldBe(scene.Oem, StringCompareShould.IgnoreCase);
        registered.Customer.ShouldBe(scene.Customer, StringCompareShould.IgnoreCase);
        Bytes32.ToAscii(registered.Model).ShouldBe("press-3000");
        (registered.Region, registered.TelemetryInterval).ShouldBe(((ushort)7, 60u));
        registered.Device.ShouldBe(scene.Device, StringCompareShould.IgnoreCase);
        registered.SpecCid.ShouldBe(Hash(1));
        registered.TermsHash.ShouldBe(Hash(2));
        Bytes32.ToGuid(registered.MachineId).ShouldBe(Bytes32.ToGuid(machineId));

        ContractEvents.MachineRegistry.TryDecode(topics, data, out var any).ShouldBeTrue();
        any.ShouldBeOfType<RegistryAbi.MachineRegisteredEventDTO>().MachineId.ShouldBe(machineId);
        ContractEvents.TryDecode<RegistryAbi.MachineStartedEventDTO>(topics, data, out _).ShouldBeFalse();
        ContractEvents.Invoicing.TryDecode(topics, data, out _).ShouldBeFalse();
    }

    [Fact]
    public async Task RegisterTwice_TheWriterRefusesWithTheNamedError()
    {
        var scene = await SceneAsync();
        var machineId = Bytes32.FromGuid(Guid.NewGuid());
        var registration = new MachineRegistration(machineId, scene.Customer, Bytes32.FromAscii("lathe"), 1, Hash(3), scene.Device, 30, Hash(4));
        await scene.SendAsync(scene.Registry.Register($"twice/1/{Bytes32.ToHex(machineId)}", scene.Oem, registration));

        var refusal = await Should.ThrowAsync<ChainRevertException>(() => scene.Writer.SendAsync(scene.Registry.Register($"twice/2/{Bytes32.ToHex(machineId)}", scene.Oem, registration)));

        refusal.ErrorName.ShouldBe("MachineExists");
        refusal.Arguments["machineId"].ShouldBe(Bytes32.ToHex(machineId));
    }

    [Fact]
    public async Task OpenAuction_WithItsStructParameter_IsReadBackThroughTheMarketAndTheRegistry()
    {
        var scene = await SceneAsync();
        var machineId = Bytes32.FromGuid(Guid.NewGuid());
        await scene.SendAsync(scene.Registry.Register($"auction/register/{Bytes32.ToHex(machineId)}", scene.Oem,
            new MachineRegistration(machineId, scene.Customer, Bytes32.FromAscii("mill"), 2, Hash(5), scene.Device, 60, Hash(6))));
        await scene.SendAsync(scene.Invoicing.SetTerms($"auction/terms/{Bytes32.ToHex(machineId)}", scene.Oem, machineId, Hash(7), 3600));
        await scene.SendAsync(scene.Registry.Accept($"auction/accept/{Bytes32.ToHex(machineId)}", scene.Customer, machineId, 1));
        var parameters = new AuctionParameters(SelectionMode.Bidding, RankingRule.Weighted, 3, 1, 2, 10, 0);

        await scene.SendAsync(scene.Market.OpenAuction($"auction/open/{Bytes32.ToHex(machineId)}", scene.Customer, machineId, TicketKind.Repair, Hash(8), parameters));

        var auction = (await scene.Market.AuctionAsync(machineId)).ShouldNotBeNull();
        (auction.Seq, auction.Mode, auction.Rule, auction.Status, auction.PriceWeight, auction.EtaWeight, auction.MaxBids, auction.BidCount)
            .ShouldBe((1u, SelectionMode.Bidding, RankingRule.Weighted, AuctionStatus.Open, (ushort)3, (ushort)1, (ushort)2, (ushort)0));
        auction.Deadline.ShouldBeGreaterThan(0ul);
        (await scene.Registry.TicketAsync(machineId)).ShouldBe(new TicketOnChain(1, TicketStatus.Open, TicketKind.Repair, SelectionMode.Bidding, null));
        (await scene.Invoicing.TermsAcceptedAsync(machineId)).ShouldBeTrue();
        (await scene.Market.BestBidAsync(machineId)).ShouldBeNull();
    }

    [Fact]
    public async Task LocallyComputedCommitments_EqualTheContractsPureFunctions()
    {
        var scene = await SceneAsync();
        var id = Bytes32.FromGuid(Guid.NewGuid());
        var handler = chain.Reader().Eth;

        var bid = scene.Market.BidCommitment(id, 3, 12_345, 3_600, Hash(9), scene.Device);
        (await handler.GetContractQueryHandler<MaintenanceAbi.BidCommitmentFunction>().QueryAsync<byte[]>(scene.Market.Address,
            new MaintenanceAbi.BidCommitmentFunction { MachineId = id, Seq = 3, Price = 12_345, Eta = 3_600, Salt = Hash(9), Bidder = scene.Device })).ShouldBe(bid);
        (await handler.GetContractQueryHandler<MaintenanceAbi.BidKeyFunction>().QueryAsync<byte[]>(scene.Market.Address,
            new MaintenanceAbi.BidKeyFunction { MachineId = id, Seq = 3, Bidder = scene.Device })).ShouldBe(scene.Market.BidKey(id, 3, scene.Device));

        var total = BigInteger.Pow(2, 100) + 17;
        var invoice = scene.Invoicing.InvoiceCommitment(id, 4, 1, 2, total, Hash(10), Hash(11));
        (await handler.GetContractQueryHandler<InvoicingAbi.InvoiceCommitmentFunction>().QueryAsync<byte[]>(scene.Invoicing.Address,
            new InvoicingAbi.InvoiceCommitmentFunction { MachineId = id, Period = 4, Revision = 1, TermsVersion = 2, Total = total, InvoiceHash = Hash(10), InputsRoot = Hash(11) }))
            .ShouldBe(invoice);
        (await handler.GetContractQueryHandler<InvoicingAbi.InvoiceIdFunction>().QueryAsync<byte[]>(scene.Invoicing.Address,
            new InvoicingAbi.InvoiceIdFunction { MachineId = id, Period = 4, Revision = 1 })).ShouldBe(scene.Invoicing.InvoiceId(id, 4, 1));
        Should.Throw<ArgumentOutOfRangeException>(() => scene.Invoicing.InvoiceCommitment(id, 4, 1, 2, BigInteger.Pow(2, 128), Hash(10), Hash(11)));
    }

    [Fact]
    public async Task AnchorViews_ReturnNullForAMissingRound_AndTheCommittedRound()
    {
        var scene = await SceneAsync();
        await scene.SendAsync(scene.Anchor.GrantAnchorer("anchor/grant", scene.Operator, scene.Oem));
        (await scene.Anchor.IsAnchorerAsync(scene.Oem)).ShouldBeTrue();
        (await scene.Anchor.RoundAsync(1)).ShouldBeNull();

        var sent = await scene.SendAsync(scene.Anchor.CommitRound("anchor/round/1", scene.Oem, Hash(12), 3, Hash(13)));

        (await scene.Anchor.RoundCountAsync()).ShouldBe(1ul);
        (await scene.Anchor.RoundAsync(1)).ShouldBeEquivalentTo(new RoundOnChain(1, Hash(12), 3, Hash(13), sent.BlockNumber!.Value, scene.Oem));
    }

    private static byte[] Hash(int n) => Enumerable.Range(0, 32).Select(i => (byte)(n * 31 + i + 1)).ToArray();

    /// <summary>A fresh deployment, an OEM and a customer who redeemed their invitations, and a writer that holds all their keys.</summary>
    private async Task<Scene> SceneAsync()
    {
        var deployed = await chain.DeployAsync();
        var keys = new InMemorySigningKeys();
        var @operator = deployed.Operator.TransactionManager.Account.Address.ToLowerInvariant();
        var operatorKey = ((Nethereum.Web3.Accounts.Account)deployed.Operator.TransactionManager.Account).PrivateKey;
        keys.Add(operatorKey);
        var writer = LedgerFixture.Writer(ledger.Ledger(), keys, chain.Anvil.RpcUrl);
        var web3 = chain.Reader();
        var scene = new Scene(writer, @operator, new ConsortiumContract(deployed.Deployment, web3), new MachineRegistryContract(deployed.Deployment, web3),
            new MaintenanceMarketContract(deployed.Deployment, web3), new InvoicingContract(deployed.Deployment, web3), new TelemetryAnchorContract(deployed.Deployment, web3),
            EthECKey.GenerateKey().GetPublicAddress().ToLowerInvariant());
        scene.Oem = await MemberAsync(scene, keys, MemberRoles.Oem);
        scene.Customer = await MemberAsync(scene, keys, MemberRoles.Customer);
        return scene;
    }

    private async Task<string> MemberAsync(Scene scene, InMemorySigningKeys keys, MemberRoles roles)
    {
        var key = EthECKey.GenerateKey();
        var address = keys.Add(key.GetPrivateKeyAsBytes().ToHex(true)).ToLowerInvariant();
        await chain.Reader().Client.SendRequestAsync<object>("anvil_setBalance", null, address, new HexBigInteger(BigInteger.Pow(10, 20)).HexValue);
        var invitation = EthECKey.GenerateKey();
        var inviteId = invitation.GetPublicAddress();
        await scene.SendAsync(scene.Consortium.CreateInvitation($"invite/{inviteId}", scene.Operator, inviteId, roles, DateTimeOffset.UtcNow.AddHours(1)));
        (await scene.Consortium.InvitationAsync(inviteId)).ShouldNotBeNull().Roles.ShouldBe(roles);

        var hash = await scene.Consortium.RedemptionHashAsync(address);
        var signature = new EthereumMessageSigner().Sign(hash, invitation).HexToByteArray();
        await scene.SendAsync(scene.Consortium.RedeemInvitation($"redeem/{inviteId}", address, signature));

        var member = (await scene.Consortium.MemberAsync(address)).ShouldNotBeNull();
        member.Roles.ShouldBe(roles);
        (await scene.Consortium.HasRoleAsync(address, roles)).ShouldBeTrue();
        (await scene.Consortium.InvitationAsync(inviteId)).ShouldBeNull();
        return address;
    }

    private sealed record Scene(
        ITransactionWriter Writer,
        string Operator,
        IConsortium Consortium,
        IMachineRegistry Registry,
        IMaintenanceMarket Market,
        IInvoicingContract Invoicing,
        ITelemetryAnchor Anchor,
        string Device)
    {
        public string Oem { get; set; } = "";

        public string Customer { get; set; } = "";

        public async Task<TransactionRecord> SendAsync(TransactionRequest request)
        {
            await Writer.SendAsync(request);
            var done = await Writer.WaitAsync(request.IdempotencyKey);
            done.Status.ShouldBeOneOf(TransactionStatus.Mined, TransactionStatus.Final);
            return done;
        }
    }
}
