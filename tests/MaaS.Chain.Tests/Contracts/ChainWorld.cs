using System.Numerics;
using MaaS.Chain.Artifacts;
using MaaS.Chain.Transactions;
using MaaS.Testing;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Signer;
using Nethereum.Web3;
using Newtonsoft.Json.Linq;
using Shouldly;

namespace MaaS.Chain.Tests.Contracts;

/// <summary>Role bits of the Consortium.</summary>
public static class Roles
{
    public const int Oem = 1;
    public const int Customer = 2;
    public const int Maintainer = 4;
}

/// <summary>
/// A private anvil with a fresh deployment of the five contracts, wired as docs/contracts.md says
/// (Consortium → MachineRegistry → Invoicing, Maintenance, TelemetryAnchor → setModules), and a cast of members who
/// joined through the invitation scheme: an OEM, a customer, maintainers accredited for the model in the machines'
/// region (A, C) or in every region (B), an unaccredited maintainer, an anchorer and an outsider. One per test class.
/// </summary>
public sealed class ChainWorld : IAsyncLifetime
{
    public const long ChainId = 31337;
    public const int Region = 33;
    public const int AllRegions = 65535;
    public const uint TelemetryInterval = 900;

    /// <summary>anvil's dev account 0 (the well-known test mnemonic): deployer and consortium operator.</summary>
    public const string Dev0Key = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    public static readonly byte[] Model = Ids.Ascii("PRESS-4000");

    private readonly Dictionary<string, ChainActor> actors = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Task<Scene>> scenes = new(StringComparer.Ordinal);

    public PrivateAnvil Anvil { get; private set; } = null!;

    public Web3 Reader { get; private set; } = null!;

    public ChainActor Operator { get; private set; } = null!;
    public ChainActor Oem { get; private set; } = null!;
    public ChainActor Oem2 { get; private set; } = null!;
    public ChainActor Customer { get; private set; } = null!;
    public ChainActor Customer2 { get; private set; } = null!;
    public ChainActor MaintainerA { get; private set; } = null!;
    public ChainActor MaintainerB { get; private set; } = null!;
    public ChainActor MaintainerC { get; private set; } = null!;
    public ChainActor Unaccredited { get; private set; } = null!;
    public ChainActor Anchorer { get; private set; } = null!;
    public ChainActor Outsider { get; private set; } = null!;

    public ChainContract Consortium { get; private set; } = null!;
    public ChainContract Registry { get; private set; } = null!;
    public ChainContract Invoicing { get; private set; } = null!;
    public ChainContract Maintenance { get; private set; } = null!;
    public ChainContract Anchor { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Anvil = await PrivateAnvil.StartAsync();
        Reader = Anvil.Web3();
        Operator = Register(new ChainActor("operator", new EthECKey(Dev0Key), Anvil.RpcUrl, ChainId));

        Consortium = await DeployAsync("Consortium");
        Registry = await DeployAsync("MachineRegistry", Consortium.Address);
        Invoicing = await DeployAsync("Invoicing", Registry.Address);
        Maintenance = await DeployAsync("Maintenance", Consortium.Address, Registry.Address);
        Anchor = await DeployAsync("TelemetryAnchor", Consortium.Address);
        await Registry.SendAsync(Operator, "setModules", Invoicing.Address, Maintenance.Address);

        Oem = await MemberAsync("oem", Roles.Oem);
        Oem2 = await MemberAsync("oem2", Roles.Oem);
        Customer = await MemberAsync("customer", Roles.Customer);
        Customer2 = await MemberAsync("customer2", Roles.Customer);
        MaintainerA = await MemberAsync("maintainerA", Roles.Maintainer);
        MaintainerB = await MemberAsync("maintainerB", Roles.Maintainer);
        MaintainerC = await MemberAsync("maintainerC", Roles.Maintainer);
        Unaccredited = await MemberAsync("unaccredited", Roles.Maintainer);
        Anchorer = await NewActorAsync("anchorer");
        Outsider = await NewActorAsync("outsider");

        await Consortium.SendAsync(Oem, "accredit", Model, Region, MaintainerA.Address);
        await Consortium.SendAsync(Oem, "accredit", Model, AllRegions, MaintainerB.Address);
        await Consortium.SendAsync(Oem, "accredit", Model, Region, MaintainerC.Address);
        await Anchor.SendAsync(Operator, "grantAnchorer", Anchorer.Address);
    }

    public async Task DisposeAsync() => await Anvil.DisposeAsync();

    public ChainActor Actor(string name) => actors.TryGetValue(name, out var actor) ? actor : throw new KeyNotFoundException($"no actor '{name}'");

    public IEnumerable<ChainActor> Actors => actors.Values;

    public ChainContract Contract(string name) => name switch
    {
        "Consortium" => Consortium,
        "MachineRegistry" => Registry,
        "Invoicing" => Invoicing,
        "Maintenance" => Maintenance,
        "TelemetryAnchor" => Anchor,
        _ => throw new KeyNotFoundException(name),
    };

    // ------------------------------------------------------------------ actors and membership

    /// <summary>A fresh key with 1,000 ETH (anvil_setBalance); not a member.</summary>
    public async Task<ChainActor> NewActorAsync(string name)
    {
        var actor = Register(new ChainActor(name, EthECKey.GenerateKey(), Anvil.RpcUrl, ChainId));
        await SetBalanceAsync(actor.Address, BigInteger.Pow(10, 21));
        return actor;
    }

    /// <summary>A fresh key that joined the consortium through an invitation with <paramref name="roles"/>.</summary>
    public async Task<ChainActor> MemberAsync(string name, int roles)
    {
        var actor = await NewActorAsync(name);
        await JoinAsync(actor, roles);
        return actor;
    }

    /// <summary>The invitation scheme: the operator creates an invitation for a one-time key, the invitee redeems it.</summary>
    public async Task<Tx> JoinAsync(ChainActor invitee, int roles)
    {
        var code = await InviteAsync(roles);
        return await Consortium.SendAsync(invitee, "redeemInvitation", RedemptionSignature(code, invitee.Address));
    }

    /// <summary>Creates an invitation (expiring in a day, or at <paramref name="expiresAt"/>) and returns its code (the one-time key).</summary>
    public async Task<EthECKey> InviteAsync(int roles, long? expiresAt = null)
    {
        var code = EthECKey.GenerateKey();
        await Consortium.SendAsync(Operator, "createInvitation", code.GetPublicAddress(), roles, expiresAt ?? await LatestTimestampAsync() + 86_400);
        return code;
    }

    /// <summary>redemptionHash(redeemer) per docs/contracts.md: keccak256(abi.encode(REDEEM_TAG, consortium, chainId, redeemer)).</summary>
    public byte[] RedemptionHash(string redeemer) => Ids.KeccakEncoded(
        new Nethereum.ABI.ABIValue("bytes32", "0x71fbc56b391804857edd10b6958078001a0682c9f9ca09bcc04cc33c7a96e8ff".HexToByteArray()),
        new Nethereum.ABI.ABIValue("address", Consortium.Address),
        new Nethereum.ABI.ABIValue("uint256", new BigInteger(ChainId)),
        new Nethereum.ABI.ABIValue("address", redeemer));

    /// <summary>The invitation code's EIP-191 signature of redemptionHash(redeemer): 65 bytes r ‖ s ‖ v.</summary>
    public byte[] RedemptionSignature(EthECKey code, string redeemer) =>
        new EthereumMessageSigner().Sign(RedemptionHash(redeemer), code).HexToByteArray();

    private ChainActor Register(ChainActor actor)
    {
        actors[actor.Name] = actor;
        return actor;
    }

    // ------------------------------------------------------------------ deployment

    public async Task<ChainContract> DeployAsync(string name, params object[] constructorArguments)
    {
        var artifact = ContractArtifact.Load(name);
        var receipt = await Operator.Web3.Eth.DeployContract.SendRequestAndWaitForReceiptAsync(
            artifact.AbiJson, artifact.Bytecode, Operator.Account.Address, new HexBigInteger(6_000_000), CancellationToken.None, constructorArguments);
        receipt.Status.Value.ShouldBe(1, $"deployment of {name}");
        return new ChainContract(name, receipt.ContractAddress, this);
    }

    /// <summary>The error with which a deployment is refused in simulation.</summary>
    public async Task<ChainRevertException> DeploymentRefusalAsync(string name, params object[] constructorArguments)
    {
        var artifact = ContractArtifact.Load(name);
        try
        {
            await Operator.Web3.Eth.DeployContract.EstimateGasAsync(artifact.AbiJson, artifact.Bytecode, Operator.Account.Address, constructorArguments);
        }
        catch (Exception ex) when (RevertDecoder.RevertDataOf(ex) is { } data)
        {
            return RevertDecoder.Decode(data);
        }
        throw new ShouldAssertException($"deployment of {name} was expected to be refused");
    }

    // ------------------------------------------------------------------ machines

    public async Task<byte[]> RegisterAsync(ChainActor? oem = null, ChainActor? customer = null, int region = Region, byte[]? model = null)
    {
        var id = Ids.MachineId();
        await Registry.SendAsync(oem ?? Oem, "register", id, (customer ?? Customer).Address, model ?? Model, region, Ids.Digest("spec"),
            EthECKey.GenerateKey().GetPublicAddress(), TelemetryInterval, Ids.Digest("rental agreement"));
        return id;
    }

    /// <summary>Registered, terms version 1 set (billing period in seconds) and accepted: state Accepted (2).</summary>
    public async Task<byte[]> AcceptedAsync(ChainActor? oem = null, ChainActor? customer = null, uint billingPeriod = 3600, int region = Region)
    {
        var id = await RegisterAsync(oem, customer, region);
        await Invoicing.SendAsync(oem ?? Oem, "setTerms", id, Ids.Digest("terms"), billingPeriod);
        await Registry.SendAsync(customer ?? Customer, "accept", id, 1);
        return id;
    }

    /// <summary>Accepted and started: state Executed (3).</summary>
    public async Task<byte[]> RunningAsync(ChainActor? oem = null, ChainActor? customer = null, uint billingPeriod = 3600, int region = Region)
    {
        var id = await AcceptedAsync(oem, customer, billingPeriod, region);
        await Registry.SendAsync(customer ?? Customer, "start", id);
        return id;
    }

    /// <summary>The customer opens a FCFS ticket on a running machine; returns its seq.</summary>
    public async Task<uint> OpenTicketAsync(byte[] id, ChainActor? customer = null)
    {
        var tx = await Registry.SendAsync(customer ?? Customer, "openTicket", id, 1, Ids.Digest("problem"));
        return (uint)tx.Event(Registry, "TicketOpened").Num("seq");
    }

    /// <summary>Maintenance.AuctionParams as a tuple argument.</summary>
    public static object[] AuctionParams(int mode, int rule, int priceWeight = 0, int etaWeight = 0, int maxBids = 0, long biddingBlocks = 0, long revealBlocks = 0) =>
        [mode, rule, priceWeight, etaWeight, maxBids, biddingBlocks, revealBlocks];

    /// <summary>The customer opens a bidding ticket; returns its seq.</summary>
    public async Task<uint> OpenAuctionAsync(byte[] id, object[] auctionParams, ChainActor? customer = null)
    {
        var tx = await Maintenance.SendAsync(customer ?? Customer, "openAuction", id, 1, Ids.Digest("problem"), auctionParams);
        return (uint)tx.Event(Maintenance, "AuctionOpened").Num("seq");
    }

    public async Task<byte[]> CommitmentAsync(byte[] id, uint seq, ulong price, uint eta, byte[] salt, ChainActor bidder) =>
        (byte[])(await Maintenance.ViewAsync("bidCommitment", id, seq, price, eta, salt, bidder.Address))[0]!;

    // ------------------------------------------------------------------ chain control

    public Task<T> RpcAsync<T>(string method, params object[] parameters) => Reader.Client.SendRequestAsync<T>(method, null, parameters);

    public Task SetBalanceAsync(string address, BigInteger wei) => RpcAsync<object>("anvil_setBalance", address, new HexBigInteger(wei).HexValue);

    public async Task<BigInteger> BalanceAsync(string address) => (await Reader.Eth.GetBalance.SendRequestAsync(address)).Value;

    public Task MineAsync(long blocks = 1) => RpcAsync<object>("anvil_mine", new HexBigInteger(blocks).HexValue);

    /// <summary>Moves the clock forward and mines a block with the new time.</summary>
    public async Task IncreaseTimeAsync(long seconds)
    {
        await RpcAsync<object>("evm_increaseTime", new HexBigInteger(seconds).HexValue);
        await MineAsync();
    }

    public async Task<long> BlockNumberAsync() => (long)(await Reader.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value;

    public async Task<long> LatestTimestampAsync() =>
        (long)(await Reader.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(BlockParameter.CreateLatest())).Timestamp.Value;

    /// <summary>Mines empty blocks until the chain head reaches <paramref name="block"/>.</summary>
    public async Task MineUntilAsync(long block)
    {
        var head = await BlockNumberAsync();
        if (head < block) await MineAsync(block - head);
    }

    public Task<string> SnapshotAsync() => RpcAsync<string>("evm_snapshot");

    /// <summary>Reverts the chain to a snapshot and makes every actor forget the nonces it used since.</summary>
    public async Task RevertToAsync(string snapshot)
    {
        (await RpcAsync<bool>("evm_revert", snapshot)).ShouldBeTrue();
        foreach (var actor in actors.Values)
            if (actor.Account.NonceService is { } nonces) await nonces.ResetNonceAsync();
    }

    /// <summary>Replays a mined transaction in its block and decodes the revert data it produced.</summary>
    public async Task<ChainRevertException> ReplayRevertAsync(string transactionHash)
    {
        var trace = await RpcAsync<JObject>("debug_traceTransaction", transactionHash, new { tracer = "callTracer" });
        var output = ChainContract.OutputOf(trace) ?? throw new ShouldAssertException($"no revert output in the trace of {transactionHash}: {trace}");
        return RevertDecoder.Decode(output, transactionHash);
    }

    // ------------------------------------------------------------------ scenes (shared, built on first use)

    /// <summary>A named situation built once per world by <paramref name="build"/> (test classes run their tests one at a time).</summary>
    public Task<Scene> SceneAsync(string name, Func<ChainWorld, Task<Scene>> build)
    {
        if (!scenes.TryGetValue(name, out var scene)) scenes[name] = scene = build(this);
        return scene;
    }
}
