using System.Globalization;
using System.Net.Http.Json;
using System.Numerics;
using System.Security.Cryptography;
using MaaS.Anchoring.Anchorer;
using MaaS.Anchoring.Group;
using MaaS.Chain.Contracts;
using MaaS.Chain.Deployment;
using MaaS.Chain.Transactions;
using MaaS.Contracts.Machines;
using MaaS.OffChain;
using MaaS.ServiceDefaults.Identity;
using MaaS.Testing;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Signer;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Shouldly;
using ChainRoles = MaaS.Chain.Contracts.MemberRoles;
using Roles = MaaS.ServiceDefaults.Identity.MemberRoles;

namespace MaaS.Anchoring.Tests.Support;

/// <summary>A consortium member with a real key; <see cref="Held"/> when this deployment's key store holds its private key.</summary>
public sealed record Member(string Name, EthECKey Key, Roles Roles, bool Held)
{
    public string Account => Key.GetPublicAddress().ToLowerInvariant();

    public MemberIdentity Identity => new(MemberIds.For(Account), Name, Roles, Account, KeyScope.Write);
}

/// <summary>
/// An Anchoring service in an environment of its own (database, virtual host, contracts), a bus to talk to it as Telemetry
/// and Machines would, and the consortium members of its machines, who joined on chain by redeeming invitations with their
/// own keys (so the service recovers their public keys from their own signatures).
/// </summary>
public sealed class AnchoringWorld : IAsyncDisposable
{
    public const string Model = "CNC-5X";
    public const ushort Region = 7;

    private readonly PrivateAnvil? node;
    private NpgsqlDataSource? keyStoreData;

    private AnchoringWorld(IsolatedEnvironment environment, PrivateAnvil? node)
    {
        Environment = environment;
        this.node = node;
    }

    public IsolatedEnvironment Environment { get; }

    public Uri RpcUrl => node?.RpcUrl ?? Environment.RpcUrl;

    public Web3 Web3 => new(RpcUrl.ToString());

    public ChainDeployment Deployment { get; private set; } = null!;

    public Dictionary<string, string?> Settings { get; private set; } = null!;

    public ServiceHost<AnchoringApi> Host { get; private set; } = null!;

    public TestBus Bus { get; private set; } = null!;

    public PostgresKeyStore Keys { get; private set; } = null!;

    public Member Oem { get; private set; } = null!;

    public Member Customer { get; private set; } = null!;

    /// <summary>Accredited by the OEM for <see cref="Model"/> in <see cref="Region"/>.</summary>
    public Member Maintainer { get; private set; } = null!;

    /// <summary>Accredited by the OEM for another model only.</summary>
    public Member OtherMaintainer { get; private set; } = null!;

    /// <summary>A customer of other machines; its key is held here too.</summary>
    public Member Outsider { get; private set; } = null!;

    public string Anchor => Deployment["TelemetryAnchor"].Address;

    public string Anchorer => Host.Services.GetRequiredService<AnchorerAccount>().Address;

    public static async Task<AnchoringWorld> CreateAsync(string purpose, IReadOnlyDictionary<string, string?>? settings = null, PrivateAnvil? node = null)
    {
        var environment = await IsolatedEnvironment.CreateAsync(purpose, deploy: node is null);
        var world = new AnchoringWorld(environment, node);
        await world.InitializeAsync(settings ?? new Dictionary<string, string?>());
        return world;
    }

    private async Task InitializeAsync(IReadOnlyDictionary<string, string?> overrides)
    {
        Settings = Environment.ServiceSettings();
        if (node is null)
        {
            Deployment = Environment.Deployment!;
        }
        else
        {
            Deployment = await DeployOnPrivateNodeAsync();
            Settings["Chain:RpcUrl"] = node.RpcUrl.ToString();
            Settings["Chain:DeploymentFile"] = Path.Combine(Environment.Directory, "private-deployment.json");
            Settings["Consortium:OperatorPrivateKey"] = Environment.Operator.GetPrivateKeyAsBytes().ToHex(true);
            await Deployment.SaveAsync(Settings["Chain:DeploymentFile"]!);
        }
        Settings["Anchoring:PollInterval"] = "00:00:00.050";
        foreach (var (key, value) in overrides) Settings[key] = value;

        keyStoreData = NpgsqlDataSource.Create(Environment.Postgres);
        Keys = new PostgresKeyStore(keyStoreData, "chain", Convert.FromBase64String(Environment.KeyEncryptionKey));

        // The chain first: the service's own operator transactions (it grants its anchorer) must not race the test's for nonces.
        var announcements = new List<object>();
        (Oem, var joined) = await EnrolAsync("oem", Roles.Oem, held: true);
        announcements.Add(joined);
        (Customer, joined) = await EnrolAsync("customer", Roles.Customer, held: true);
        announcements.Add(joined);
        (Maintainer, joined) = await EnrolAsync("maintainer", Roles.Maintainer, held: true);
        announcements.Add(joined);
        (OtherMaintainer, joined) = await EnrolAsync("other maintainer", Roles.Maintainer, held: true);
        announcements.Add(joined);
        (Outsider, joined) = await EnrolAsync("outsider", Roles.Customer, held: true);
        announcements.Add(joined);
        announcements.Add(await AccreditOnChainAsync(Maintainer, Model, Region));
        announcements.Add(await AccreditOnChainAsync(OtherMaintainer, "LATHE-2", Region));

        Host = StartHost();
        Bus = await TestBus.StartAsync(Environment.RabbitMq);
        foreach (var announcement in announcements) await Bus.PublishAsync(announcement);
        await Eventually.TrueAsync(() => new TelemetryAnchorContract(Anchor, Web3).IsAnchorerAsync(Anchorer), "the service to grant its anchorer", TimeSpan.FromSeconds(60));
    }

    /// <summary>Starts a host of the service in this world (the first, or a new one after a restart).</summary>
    public ServiceHost<AnchoringApi> StartHost()
    {
        var host = new ServiceHost<AnchoringApi>(Settings);
        _ = host.Address;
        return host;
    }

    /// <summary>
    /// Stops the service the way a process is stopped (the host's shutdown: the bus stops taking messages and finishes the ones
    /// in hand), then starts a new instance on the same database, queues and chain. Disposing a WebApplicationFactory alone
    /// disposes the service provider while the bus is still consuming (dotnet/aspnetcore#40271), which faults in-flight
    /// messages into the error queue: a harness artefact, not a restart.
    /// </summary>
    public async Task RestartAsync()
    {
        var lifetime = Host.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>();
        var stopped = new TaskCompletionSource();
        using (lifetime.ApplicationStopped.Register(() => stopped.TrySetResult()))
        {
            lifetime.StopApplication();
            await stopped.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        await Host.DisposeAsync();
        Host = StartHost();
    }

    public HttpClient ClientFor(Member member) => Environment.ClientFor(Host.Address, member.Identity);

    public HttpClient ClientFor(MemberIdentity identity) => Environment.ClientFor(Host.Address, identity);

    /// <summary>
    /// A machine of the OEM rented to the customer, as the Machines service announces it at finality; waits until the service
    /// knows its group (the OEM, the customer and, for <see cref="Model"/>, the accredited maintainer), as it would long
    /// before the machine's first telemetry in real life.
    /// </summary>
    public async Task<Guid> RegisterMachineAsync(Guid? machineId = null, string model = Model, ushort region = Region)
    {
        var id = machineId ?? Guid.CreateVersion7();
        var block = (long)(await Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value;
        await Bus.PublishAsync(new MachineRegistered(id, Oem.Account, Customer.Account, model, region, "0x" + new string('d', 40), 60,
            Cid.Compute("spec"u8).V0, "0x" + new string('0', 64), "0x" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), block, DateTimeOffset.UtcNow));
        await AwaitGroupAsync(id, model == Model ? [Oem, Customer, Maintainer] : [Oem, Customer]);
        return id;
    }

    /// <summary>Waits until the service counts <paramref name="members"/> in the machine's group (with their keys, unless told otherwise).</summary>
    public Task AwaitGroupAsync(Guid machine, IReadOnlyList<Member> members, bool keysKnown = true) =>
        Eventually.TrueAsync(async () =>
        {
            using var client = ClientFor(TestMembers.Operator);
            using var response = await client.GetAsync($"/api/anchoring/machines/{machine}/group");
            if (!response.IsSuccessStatusCode) return false;
            var group = (await response.Content.ReadFromJsonAsync<MachineGroupView>(Json))!;
            return members.All(m => group.Members.Any(g => g.Account == m.Account && (g.KeyKnown || !keysKnown)));
        }, $"machine {machine}'s group to include {string.Join(", ", members.Select(m => m.Name))}");

    /// <param name="announce">False: the member joins on chain but the service never hears of it from Machines.</param>
    public async Task<Member> JoinAsync(string name, Roles roles, bool held, bool announce = true)
    {
        var (member, joined) = await EnrolAsync(name, roles, held);
        if (announce) await Bus.PublishAsync(joined);
        return member;
    }

    public async Task AccreditAsync(Member maintainer, string model, ushort region) => await Bus.PublishAsync(await AccreditOnChainAsync(maintainer, model, region));

    private async Task<(Member, MemberJoined)> EnrolAsync(string name, Roles roles, bool held)
    {
        var key = held ? (await Keys.FindAsync(await Keys.CreateAsync(name)))! : EthECKey.GenerateKey();
        var member = new Member(name, key, roles, held);
        await FundAsync(member.Account);
        var consortium = new ConsortiumContract(Deployment["Consortium"].Address, Web3);
        var code = EthECKey.GenerateKey();
        var expires = DateTimeOffset.FromUnixTimeSeconds((long)(await Web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(BlockParameter.CreateLatest())).Timestamp.Value + 86_400);
        await SendAsync(Environment.Operator, consortium.CreateInvitation("", Environment.Operator.GetPublicAddress(), code.GetPublicAddress(), (ChainRoles)(int)roles, expires));
        var signature = new EthereumMessageSigner().Sign(await consortium.RedemptionHashAsync(member.Account), code).HexToByteArray();
        var redeemed = await SendAsync(key, consortium.RedeemInvitation("", member.Account, signature));
        return (member, new MemberJoined(MemberIds.For(member.Account), member.Account, (int)roles, redeemed.TransactionHash, (long)redeemed.BlockNumber.Value, DateTimeOffset.UtcNow));
    }

    private async Task<MaintainerAccredited> AccreditOnChainAsync(Member maintainer, string model, ushort region)
    {
        var consortium = new ConsortiumContract(Deployment["Consortium"].Address, Web3);
        var receipt = await SendAsync(Oem.Key, consortium.Accredit("", Oem.Account, Bytes32.FromAscii(model), region, maintainer.Account));
        return new MaintainerAccredited(Oem.Account, maintainer.Account, MemberIds.For(maintainer.Account), model, region, receipt.TransactionHash,
            (long)receipt.BlockNumber.Value, DateTimeOffset.UtcNow);
    }

    public async Task FundAsync(string address) =>
        await Web3.Client.SendRequestAsync<object>("anvil_setBalance", null, address, new HexBigInteger(BigInteger.Pow(10, 24)).HexValue);

    public async Task<TransactionReceipt> SendAsync(EthECKey from, TransactionRequest request)
    {
        var web3 = new Web3(new Account(from, TestServers.ChainId), RpcUrl.ToString());
        var input = new TransactionInput { Data = request.Data, To = request.To, From = from.GetPublicAddress(), Value = new HexBigInteger(request.Value) };
        input.Gas = new HexBigInteger((await web3.Eth.TransactionManager.EstimateGasAsync(input)).Value * 3 / 2);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var receipt = await web3.Eth.TransactionManager.SendTransactionAndWaitForReceiptAsync(input, timeout.Token);
        receipt.Status.Value.ShouldBe(1, $"{request.Data[..10]} to {request.To} reverted");
        return receipt;
    }

    /// <summary>Waits until every (machine, batch) is announced anchored, and returns those announcements.</summary>
    public async Task<IReadOnlyList<MaaS.Contracts.Anchoring.TelemetryBatchAnchored>> AnchoredAsync(Guid machine, int batches, TimeSpan? timeout = null)
    {
        await Eventually.TrueAsync(() => Task.FromResult(Bus.AnchoredOf(machine).Select(a => a.BatchSeq).Distinct().Count() >= batches),
            $"{batches} batches of machine {machine} to be anchored", timeout ?? TimeSpan.FromSeconds(60));
        return Bus.AnchoredOf(machine);
    }

    /// <summary>As the services write JSON: web defaults, enums by name.</summary>
    public static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public async Task<T> GetAsync<T>(Member member, string path)
    {
        using var client = ClientFor(member);
        return (await client.GetFromJsonAsync<T>(path, Json))!;
    }

    private async Task<ChainDeployment> DeployOnPrivateNodeAsync()
    {
        await FundAsync(Environment.Operator.GetPublicAddress());
        var web3 = new Web3(new Account(Environment.Operator, TestServers.ChainId), RpcUrl.ToString());
        var deployer = new ContractDeployer(web3, new OffChainSourceStore(new EmbeddedOffChainStore(Environment.OffChainDirectory)));
        var standardInput = await File.ReadAllBytesAsync(Path.Combine(Repository.Root, "contracts/solidity/artifacts/standard-input.json"));
        return await deployer.DeployAsync(standardInput, new DeploymentOptions
        {
            FaucetWei = BigInteger.Pow(10, 21),
            GasAllowanceWei = BigInteger.Pow(10, 19),
        });
    }

    public static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        await Bus.DisposeAsync();
        await Host.DisposeAsync();
        if (keyStoreData is not null) await keyStoreData.DisposeAsync();
        await Environment.DisposeAsync();
    }
}
