using System.Numerics;
using Nethereum.Signer;

namespace MaaS.Chain.Tests.Contracts;

/// <summary>
/// The situations the refusal table is checked against, each built once per world on first use. Deadlines are either
/// long passed or a million blocks away, so the blocks mined by later rows never move a scene out of its phase.
/// </summary>
public static class RefusalScenes
{
    public const long Far = 1_000_000;
    public const uint ShortPeriod = 60;

    private static readonly BigInteger Ether = BigInteger.Pow(10, 18);

    public static readonly IReadOnlyDictionary<string, Func<ChainWorld, Task<Scene>>> All = new Dictionary<string, Func<ChainWorld, Task<Scene>>>
    {
        ["nothing"] = _ => Task.FromResult(new Scene()),
        ["unknown machine"] = _ => Task.FromResult(new Scene()),

        // ---------------------------------------------------------------- machine life cycle
        ["registered"] = async w => new Scene { Id = await w.RegisterAsync() },
        ["registered with terms"] = async w =>
        {
            var id = await w.RegisterAsync();
            await w.Invoicing.SendAsync(w.Oem, "setTerms", id, Ids.Digest("terms"), 3600u);
            return new Scene { Id = id };
        },
        ["registered with terms v1 and v2"] = async w =>
        {
            var id = await w.RegisterAsync();
            await w.Invoicing.SendAsync(w.Oem, "setTerms", id, Ids.Digest("terms"), 3600u);
            await w.Invoicing.SendAsync(w.Oem, "setTerms", id, Ids.Digest("terms v2"), 3600u);
            return new Scene { Id = id };
        },
        ["registered for a customer revoked since"] = async w =>
        {
            var customer = await w.MemberAsync("revokedCustomer", Roles.Customer);
            var id = await w.RegisterAsync(customer: customer);
            await w.Invoicing.SendAsync(w.Oem, "setTerms", id, Ids.Digest("terms"), 3600u);
            await w.Consortium.SendAsync(w.Operator, "revokeMember", customer.Address);
            return new Scene { Id = id };
        },
        ["accepted"] = async w => new Scene { Id = await w.AcceptedAsync() },
        ["running"] = async w => new Scene { Id = await w.RunningAsync() },
        ["stopped"] = async w =>
        {
            var id = await w.RunningAsync();
            await w.Registry.SendAsync(w.Customer, "stop", id);
            return new Scene { Id = id };
        },
        ["terminated"] = async w =>
        {
            var id = await w.RunningAsync();
            await w.Registry.SendAsync(w.Customer, "requestTermination", id);
            await w.Registry.SendAsync(w.Oem, "requestTermination", id);
            return new Scene { Id = id };
        },
        ["termination requested by the customer"] = async w =>
        {
            var id = await w.RunningAsync();
            await w.Registry.SendAsync(w.Customer, "requestTermination", id);
            return new Scene { Id = id };
        },

        // ---------------------------------------------------------------- FCFS tickets
        ["ticket open"] = async w =>
        {
            var id = await w.RunningAsync();
            return new Scene { Id = id, Seq = await w.OpenTicketAsync(id) };
        },
        ["ticket open in region 34"] = async w =>
        {
            var id = await w.RunningAsync(region: 34);
            return new Scene { Id = id, Seq = await w.OpenTicketAsync(id) };
        },
        ["ticket accepted by A"] = async w => await TicketAsync(w, accept: true),
        ["ticket completed"] = async w => await TicketAsync(w, accept: true, complete: true),
        ["ticket closed"] = async w => await TicketAsync(w, accept: true, complete: true, close: true),
        ["ticket cancelled"] = async w =>
        {
            var scene = await TicketAsync(w);
            await w.Registry.SendAsync(w.Customer, "cancelTicket", scene.Id, scene.Seq);
            return scene;
        },

        // ---------------------------------------------------------------- open bidding
        ["bidding open, A bid"] = async w => await AuctionAsync(w, ChainWorld.AuctionParams(1, 0, maxBids: 100), bidA: true),
        ["bidding before its deadline, A bid"] = async w => await AuctionAsync(w, ChainWorld.AuctionParams(1, 0, biddingBlocks: Far), bidA: true),
        ["bidding past its deadline, A bid"] = async w => await AuctionAsync(w, ChainWorld.AuctionParams(1, 0, biddingBlocks: 2), bidA: true, mine: 3),
        ["bidding past its deadline, no bid"] = async w => await AuctionAsync(w, ChainWorld.AuctionParams(1, 0, biddingBlocks: 1), mine: 2),
        ["bidding awarded"] = async w => await AuctionAsync(w, ChainWorld.AuctionParams(1, 0, maxBids: 1), bidA: true),
        ["bidding with its ticket cancelled"] = async w => await AuctionAsync(w, ChainWorld.AuctionParams(1, 0, maxBids: 100), cancel: true),
        ["bidding past its deadline, A bid, ticket cancelled"] = async w =>
            await AuctionAsync(w, ChainWorld.AuctionParams(1, 0, biddingBlocks: 2), bidA: true, cancel: true, mine: 3),
        ["bidding past its deadline, E bid, E's accreditation withdrawn"] = async w =>
            await IneligibleBestBidderAsync(w, "bidderE", ChainWorld.AuctionParams(1, 0, biddingBlocks: 2), revoke: false, mine: 3),
        ["bidding past its deadline, F bid, F revoked from the consortium"] = async w =>
            await IneligibleBestBidderAsync(w, "bidderF", ChainWorld.AuctionParams(1, 0, biddingBlocks: 2), revoke: true, mine: 3),
        ["bidding for 2 bids, H bid, H's accreditation withdrawn"] = async w =>
            await IneligibleBestBidderAsync(w, "bidderH", ChainWorld.AuctionParams(1, 0, maxBids: 2), revoke: false),

        // ---------------------------------------------------------------- sealed bidding (A committed Price/Eta/Salt)
        ["sealed, commit phase, A committed"] = async w => await SealedAsync(w, commitBlocks: Far, revealBlocks: 10),
        ["sealed, commit phase, ticket cancelled"] = async w => await SealedAsync(w, commitBlocks: Far, revealBlocks: 10, cancel: true),
        ["sealed, reveal phase, A C D committed, D's accreditation withdrawn"] = async w =>
        {
            var d = await w.MemberAsync("maintainerD", Roles.Maintainer);
            await w.Consortium.SendAsync(w.Oem, "accredit", ChainWorld.Model, ChainWorld.Region, d.Address);
            var scene = await SealedAsync(w, commitBlocks: 6, revealBlocks: Far, alsoCommit: [w.MaintainerC, d]);
            await w.Consortium.SendAsync(w.Oem, "withdrawAccreditation", ChainWorld.Model, ChainWorld.Region, d.Address);
            return scene;
        },
        ["sealed, reveal phase, ticket cancelled"] = async w => await SealedAsync(w, commitBlocks: 3, revealBlocks: Far, cancel: true),
        ["sealed, after the reveal phase, nothing revealed"] = async w => await SealedAsync(w, commitBlocks: 2, revealBlocks: 2, mineTo: "reveal"),
        ["sealed, after the reveal phase, G revealed, G's accreditation withdrawn"] = async w =>
        {
            var g = await AccreditedMaintainerAsync(w, "bidderG");
            var id = await w.RunningAsync();
            var seq = await w.OpenAuctionAsync(id, ChainWorld.AuctionParams(2, 0, biddingBlocks: 2, revealBlocks: 5));
            var salt = Ids.Digest("salt G");
            await w.Maintenance.SendAsync(g, "commitBid", id, seq, await w.CommitmentAsync(id, seq, 1_000, 3_600, salt, g));
            var auction = await w.Maintenance.ViewAsync("auction", id);
            await w.MineUntilAsync(auction.Long("deadline") + 1);
            await w.Maintenance.SendAsync(g, "revealBid", id, seq, 1_000UL, 3_600u, salt);
            await w.Consortium.SendAsync(w.Oem, "withdrawAccreditation", ChainWorld.Model, ChainWorld.Region, g.Address);
            await w.MineUntilAsync(auction.Long("revealDeadline") + 1);
            return new Scene { Id = id, Seq = seq };
        },

        // ---------------------------------------------------------------- invoicing
        ["invoiceable (periods 0-2 ended)"] = async w => await InvoiceAsync(w),
        ["invoice issued"] = async w => await InvoiceAsync(w, "issued"),
        ["invoice accepted"] = async w => await InvoiceAsync(w, "accepted"),
        ["invoice disputed"] = async w => await InvoiceAsync(w, "disputed"),
        ["invoice settled"] = async w => await InvoiceAsync(w, "settled"),
        ["terms v2 from period 1, v3 proposed, periods 0-2 ended"] = async w =>
        {
            var id = await w.AcceptedAsync(billingPeriod: 3_600);
            await w.Invoicing.SendAsync(w.Oem, "setTerms", id, Ids.Digest("terms v2"), 3_600u);
            var accepted = (await w.Invoicing.SendAsync(w.Customer, "acceptTerms", id, 2u)).Event(w.Invoicing, "TermsAccepted");
            if (accepted.Int("fromPeriod") != 1) throw new InvalidOperationException("terms v2 should apply from period 1");
            await w.Invoicing.SendAsync(w.Oem, "setTerms", id, Ids.Digest("terms v3"), 3_600u);
            await w.IncreaseTimeAsync(3 * 3_600 + 10);
            return new Scene { Id = id };
        },
        ["terms v2 accepted for period 1, v3 proposed"] = async w =>
        {
            var id = await w.AcceptedAsync(billingPeriod: 315_360_000);
            await w.Invoicing.SendAsync(w.Oem, "setTerms", id, Ids.Digest("terms v2"), 315_360_000u);
            await w.Invoicing.SendAsync(w.Customer, "acceptTerms", id, 2u);
            await w.Invoicing.SendAsync(w.Oem, "setTerms", id, Ids.Digest("terms v3"), 315_360_000u);
            return new Scene { Id = id };
        },

        // ---------------------------------------------------------------- consortium
        ["pending invitation"] = async w => new Scene { Invitation = await w.InviteAsync(Roles.Customer, 4_102_444_800) },
        ["expired invitation"] = async w =>
        {
            var code = await w.InviteAsync(Roles.Customer, await w.LatestTimestampAsync() + 5);
            await w.IncreaseTimeAsync(3_600);
            return new Scene { Invitation = code };
        },
        ["faucet with 1 ETH, allowance 10 ETH"] = async w =>
        {
            await w.Consortium.SendAsync(w.Operator, "setGasAllowance", 10 * Ether);
            var fund = await w.Operator.Web3.Eth.GetEtherTransferService().TransferEtherAndWaitForReceiptAsync(w.Consortium.Address, 1m, gas: new BigInteger(100_000));
            fund.Status.Value.ShouldBeOne();
            var poor = await w.MemberAsync("poorMember", Roles.Customer);
            await w.SetBalanceAsync(poor.Address, BigInteger.Zero);
            var rejecter = await w.MemberAsync("rejecter", Roles.Customer);
            await w.SetBalanceAsync(rejecter.Address, 10 * Ether - Ether / 2);
            // PUSH0 PUSH0 REVERT: the account now refuses every ether transfer.
            await w.RpcAsync<object>("anvil_setCode", rejecter.Address, "0x5f5ffd");
            return new Scene { Rejecter = rejecter.Address };
        },

        // ---------------------------------------------------------------- registries wired differently
        ["spare registry (maintenance module = an account), FCFS ticket open"] = async w =>
        {
            var (registry, invoicing) = await SpareRegistryAsync(w);
            var id = await SpareMachineAsync(w, registry, invoicing);
            await registry.SendAsync(w.Customer, "openTicket", id, 1, Ids.Digest("problem"));
            return new Scene { Id = id, Seq = 1, Target = registry };
        },
        ["spare registry (maintenance module = an account), bidding ticket assigned"] = async w =>
        {
            var (registry, invoicing) = await SpareRegistryAsync(w);
            var id = await SpareMachineAsync(w, registry, invoicing);
            await registry.SendAsync(w.Actor("module"), "openTicketFor", w.Customer.Address, id, 1, 1, Ids.Digest("problem"));
            await registry.SendAsync(w.Actor("module"), "assignTicket", id, 1u, w.MaintainerA.Address);
            return new Scene { Id = id, Seq = 1, Target = registry };
        },
        ["unwired registry, machine registered"] = async w =>
        {
            var registry = await w.DeployAsync("MachineRegistry", w.Consortium.Address);
            var id = Ids.MachineId();
            await registry.SendAsync(w.Oem, "register", id, w.Customer.Address, ChainWorld.Model, ChainWorld.Region, Ids.Digest("spec"),
                EthECKey.GenerateKey().GetPublicAddress(), 900u, Ids.Digest("agreement"));
            return new Scene { Id = id, Target = registry };
        },
    };

    private static async Task<Scene> TicketAsync(ChainWorld w, bool accept = false, bool complete = false, bool close = false)
    {
        var id = await w.RunningAsync();
        var seq = await w.OpenTicketAsync(id);
        if (accept) await w.Registry.SendAsync(w.MaintainerA, "acceptTicket", id, seq);
        if (complete) await w.Registry.SendAsync(w.MaintainerA, "completeTicket", id, seq, Ids.Digest("report"));
        if (close) await w.Registry.SendAsync(w.Customer, "closeTicket", id, seq);
        return new Scene { Id = id, Seq = seq };
    }

    private static async Task<Scene> AuctionAsync(ChainWorld w, object[] parameters, bool bidA = false, bool cancel = false, long mine = 0)
    {
        var id = await w.RunningAsync();
        var seq = await w.OpenAuctionAsync(id, parameters);
        if (bidA) await w.Maintenance.SendAsync(w.MaintainerA, "placeBid", id, seq, 1_000UL, 3_600u);
        if (cancel) await w.Registry.SendAsync(w.Customer, "cancelTicket", id, seq);
        if (mine > 0) await w.MineAsync(mine);
        return new Scene { Id = id, Seq = seq };
    }

    /// <summary>A maintainer (accredited for the model and region) that joined for one scene.</summary>
    private static async Task<ChainActor> AccreditedMaintainerAsync(ChainWorld w, string name)
    {
        var maintainer = await w.MemberAsync(name, Roles.Maintainer);
        await w.Consortium.SendAsync(w.Oem, "accredit", ChainWorld.Model, ChainWorld.Region, maintainer.Address);
        return maintainer;
    }

    /// <summary>An open-bidding auction whose only (so best) bid is <paramref name="name"/>'s, who then lost its accreditation or (<paramref name="revoke"/>) its membership.</summary>
    private static async Task<Scene> IneligibleBestBidderAsync(ChainWorld w, string name, object[] parameters, bool revoke, long mine = 0)
    {
        var bidder = await AccreditedMaintainerAsync(w, name);
        var id = await w.RunningAsync();
        var seq = await w.OpenAuctionAsync(id, parameters);
        await w.Maintenance.SendAsync(bidder, "placeBid", id, seq, 1_000UL, 3_600u);
        if (revoke) await w.Consortium.SendAsync(w.Operator, "revokeMember", bidder.Address);
        else await w.Consortium.SendAsync(w.Oem, "withdrawAccreditation", ChainWorld.Model, ChainWorld.Region, bidder.Address);
        if (mine > 0) await w.MineAsync(mine);
        return new Scene { Id = id, Seq = seq };
    }

    private static async Task<Scene> SealedAsync(ChainWorld w, long commitBlocks, long revealBlocks, bool cancel = false, ChainActor[]? alsoCommit = null, string mineTo = "commit")
    {
        var id = await w.RunningAsync();
        var seq = await w.OpenAuctionAsync(id, ChainWorld.AuctionParams(2, 0, biddingBlocks: commitBlocks, revealBlocks: revealBlocks));
        var scene = new Scene { Id = id, Seq = seq, Price = 1_000, Eta = 3_600, Salt = Ids.Digest("salt") };
        foreach (var bidder in new[] { w.MaintainerA }.Concat(alsoCommit ?? []))
            await w.Maintenance.SendAsync(bidder, "commitBid", id, seq, await w.CommitmentAsync(id, seq, scene.Price, scene.Eta, scene.Salt, bidder));
        var auction = await w.Maintenance.ViewAsync("auction", id);
        if (commitBlocks < Far) await w.MineUntilAsync(auction.Long(mineTo == "reveal" ? "revealDeadline" : "deadline") + 1);
        if (cancel) await w.Registry.SendAsync(w.Customer, "cancelTicket", id, seq);
        return scene;
    }

    private static async Task<Scene> InvoiceAsync(ChainWorld w, string? state = null)
    {
        var id = await w.AcceptedAsync(billingPeriod: ShortPeriod);
        await w.IncreaseTimeAsync(3 * ShortPeriod + 10);
        if (state is null) return new Scene { Id = id };
        await w.Invoicing.SendAsync(w.Oem, "issueInvoice", id, 0u, new BigInteger(1_000), Ids.Digest("invoice"), Ids.Digest("inputs"), 1u);
        if (state is "accepted" or "settled") await w.Invoicing.SendAsync(w.Customer, "acceptInvoice", id, 0u, (ushort)0);
        if (state is "settled") await w.Invoicing.SendAsync(w.Oem, "settleInvoice", id, 0u, (ushort)0);
        if (state is "disputed") await w.Invoicing.SendAsync(w.Customer, "disputeInvoice", id, 0u, (ushort)0, Ids.Digest("evidence"));
        return new Scene { Id = id, Period = 0 };
    }

    /// <summary>A second registry whose Maintenance module is a plain account ("module"), to call openTicketFor/assignTicket directly.</summary>
    private static async Task<(ChainContract Registry, ChainContract Invoicing)> SpareRegistryAsync(ChainWorld w)
    {
        var module = w.Actors.FirstOrDefault(a => a.Name == "module") ?? await w.NewActorAsync("module");
        var registry = await w.DeployAsync("MachineRegistry", w.Consortium.Address);
        var invoicing = await w.DeployAsync("Invoicing", registry.Address);
        await registry.SendAsync(w.Operator, "setModules", invoicing.Address, module.Address);
        return (registry, invoicing);
    }

    private static async Task<byte[]> SpareMachineAsync(ChainWorld w, ChainContract registry, ChainContract invoicing)
    {
        var id = Ids.MachineId();
        await registry.SendAsync(w.Oem, "register", id, w.Customer.Address, ChainWorld.Model, ChainWorld.Region, Ids.Digest("spec"),
            EthECKey.GenerateKey().GetPublicAddress(), 900u, Ids.Digest("agreement"));
        await invoicing.SendAsync(w.Oem, "setTerms", id, Ids.Digest("terms"), 3600u);
        await registry.SendAsync(w.Customer, "accept", id, 1u);
        await registry.SendAsync(w.Customer, "start", id);
        return id;
    }

    private static void ShouldBeOne(this BigInteger status)
    {
        if (status != 1) throw new InvalidOperationException("funding the faucet failed");
    }
}
