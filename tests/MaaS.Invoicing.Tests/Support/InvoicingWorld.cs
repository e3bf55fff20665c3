using System.Collections.Concurrent;
using System.Text;
using MaaS.Anchoring;
using MaaS.Anchoring.Anchorer;
using MaaS.Chain.Contracts;
using MaaS.Chain.Deployment;
using MaaS.Chain.Transactions;
using MaaS.Contracts.Anchoring;
using MaaS.Contracts.Invoicing;
using MaaS.Contracts.Machines;
using MaaS.Contracts.Telemetry;
using MaaS.Invoicing.Invoices;
using MaaS.OffChain;
using MaaS.OffChain.Invoicing;
using MaaS.OffChain.Telemetry;
using MaaS.ServiceDefaults.Identity;
using MaaS.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Signer;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;
using Npgsql;
using Shouldly;
using ChainRoles = MaaS.Chain.Contracts.MemberRoles;
using Roles = MaaS.ServiceDefaults.Identity.MemberRoles;

namespace MaaS.Invoicing.Tests.Support;

/// <summary>A consortium member with a real key; <see cref="Held"/> when this deployment's key store holds it (the service acts for it).</summary>
public sealed record Member(string Name, EthECKey Key, Roles Roles, bool Held)
{
    public string Account => Key.GetPublicAddress().ToLowerInvariant();

    public MemberIdentity Identity => new(MemberIds.For(Account), Name, Roles, Account, KeyScope.Write);
}

/// <summary>A machine on chain with terms accepted: period 0 began at <see cref="EpochSeconds"/>.</summary>
public sealed record TestMachine(Guid Id, Member Oem, Member Customer, long EpochSeconds, uint PeriodSeconds, PricingTerms Terms)
{
    /// <summary>A timestamp (ms) <paramref name="offsetMs"/> into period <paramref name="period"/>.</summary>
    public long At(uint period, long offsetMs) => ((EpochSeconds + (period * (long)PeriodSeconds)) * 1000) + offsetMs;

    /// <summary>Period <paramref name="period"/> as the service computes it (cut-off = end + the tests' grace).</summary>
    public InvoicePeriod Window(uint period) => InvoicePeriod.Of(Id, period, EpochSeconds, PeriodSeconds, InvoicingWorld.GraceSeconds, false);
}

/// <summary>
/// The Anchoring and Invoicing services of one deployment (own database, virtual host, contracts), a bus to publish what
/// Telemetry and Machines would publish, and members who joined on chain with their own keys. Machines are registered and
/// accepted on chain directly, as the Machines service does (register, setTerms version 1, accept).
/// </summary>
public sealed class InvoicingWorld : IAsyncDisposable
{
    public const string Model = "PRESS-4000";
    public const ushort Region = 3;
    public const uint PeriodSeconds = 8;
    public const int GraceSeconds = 2;

    public static readonly PricingTerms StandardTerms = new("EUR", 10_000, 25, new QualityRule(500, 7), new AvailabilityRule(8_000, 3, 2, 5_000, 4_000),
        new MaintenanceRule(2, 100));

    private NpgsqlDataSource? keyData;
    private IBusControl bus = null!;
    private readonly ConcurrentQueue<object> published = new();

    private readonly Action<IServiceCollection>? invoicingServices;

    private InvoicingWorld(IsolatedEnvironment environment, Action<IServiceCollection>? invoicingServices)
    {
        Environment = environment;
        this.invoicingServices = invoicingServices;
    }

    public IsolatedEnvironment Environment { get; }

    public Web3 Web3 => new(Environment.RpcUrl.ToString());

    public ChainDeployment Deployment => Environment.Deployment!;

    public ServiceHost<AnchoringApi> Anchoring { get; private set; } = null!;

    public ServiceHost<InvoicingApi> Invoicing { get; private set; } = null!;

    public Dictionary<string, string?> InvoicingSettings { get; private set; } = null!;

    public PostgresKeyStore Keys { get; private set; } = null!;

    public IOffChainStore Store { get; private set; } = null!;

    public Member Oem { get; private set; } = null!;

    public Member Customer { get; private set; } = null!;

    /// <summary>An OEM whose key this deployment does not hold: the tests issue its invoices themselves (right or wrong).</summary>
    public Member ForeignOem { get; private set; } = null!;

    /// <summary>Another OEM and another customer, strangers to the test machines.</summary>
    public Member OtherOem { get; private set; } = null!;

    public Member OtherCustomer { get; private set; } = null!;

    /// <summary>A customer whose key this deployment does not hold: its invoices wait for the test to decide them.</summary>
    public Member ForeignCustomer { get; private set; } = null!;

    public IMachineRegistry Registry => new MachineRegistryContract(Deployment["MachineRegistry"].Address, Web3);

    public IInvoicingContract InvoicingContract => new MaaS.Chain.Contracts.InvoicingContract(Deployment["Invoicing"].Address, Web3);

    public IReadOnlyList<T> Published<T>() => [.. published.OfType<T>()];

    /// <param name="invoicingServices">Registrations added to the Invoicing host's (see <see cref="ServiceHost{TEntry}"/>).</param>
    public static async Task<InvoicingWorld> CreateAsync(string purpose, Action<IServiceCollection>? invoicingServices = null)
    {
        var world = new InvoicingWorld(await IsolatedEnvironment.CreateAsync(purpose), invoicingServices);
        await world.InitializeAsync();
        return world;
    }

    private async Task InitializeAsync()
    {
        keyData = NpgsqlDataSource.Create(Environment.Postgres);
        Keys = new PostgresKeyStore(keyData, "chain", Convert.FromBase64String(Environment.KeyEncryptionKey));
        Store = new EmbeddedOffChainStore(Environment.OffChainDirectory);
        var joined = new List<object>();
        (Oem, var j) = await EnrolAsync("oem", Roles.Oem, held: true);
        joined.Add(j);
        (Customer, j) = await EnrolAsync("customer", Roles.Customer, held: true);
        joined.Add(j);
        (ForeignOem, j) = await EnrolAsync("foreign oem", Roles.Oem, held: false);
        joined.Add(j);
        (OtherOem, j) = await EnrolAsync("other oem", Roles.Oem, held: true);
        joined.Add(j);
        (OtherCustomer, j) = await EnrolAsync("other customer", Roles.Customer, held: true);
        joined.Add(j);
        (ForeignCustomer, j) = await EnrolAsync("foreign customer", Roles.Customer, held: false);
        joined.Add(j);

        var anchoringSettings = Environment.ServiceSettings();
        anchoringSettings["Anchoring:PollInterval"] = "00:00:00.050";
        anchoringSettings["Anchoring:RoundMaxAge"] = "00:00:00.300";
        Anchoring = new ServiceHost<AnchoringApi>(anchoringSettings);
        _ = Anchoring.Address;

        InvoicingSettings = Environment.ServiceSettings();
        InvoicingSettings["Invoicing:AnchoringUrl"] = Anchoring.Address.ToString();
        InvoicingSettings["Invoicing:Grace"] = TimeSpan.FromSeconds(GraceSeconds).ToString();
        InvoicingSettings["Invoicing:Settle"] = "00:00:01";
        InvoicingSettings["Invoicing:PollInterval"] = "00:00:00.100";
        InvoicingSettings["Logging:LogLevel:MaaS.Invoicing"] = System.Environment.GetEnvironmentVariable("MAAS_TEST_INVOICING_LOG") ?? "Warning";
        Invoicing = new ServiceHost<InvoicingApi>(InvoicingSettings, services: invoicingServices);
        _ = Invoicing.Address;

        bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            var uri = Environment.RabbitMq;
            cfg.Host(uri.Host, (ushort)uri.Port, Uri.UnescapeDataString(uri.AbsolutePath.Trim('/')), h =>
            {
                h.Username("guest");
                h.Password("guest");
            });
            cfg.ReceiveEndpoint($"invoicing-tests-observer-{Guid.NewGuid():N}", e =>
            {
                e.AutoDelete = true;
                e.Durable = false;
                e.Handler<TelemetryBatchAnchored>(c => Record(c.Message));
                e.Handler<InvoiceIssued>(c => Record(c.Message));
                e.Handler<InvoiceAccepted>(c => Record(c.Message));
                e.Handler<InvoiceDisputed>(c => Record(c.Message));
                e.Handler<InvoiceSettled>(c => Record(c.Message));
            });
        });
        await bus.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        foreach (var message in joined) await PublishAsync(message);
        var anchorer = Anchoring.Services.GetRequiredService<AnchorerAccount>().Address;
        await Eventually.TrueAsync(() => new TelemetryAnchorContract(Deployment["TelemetryAnchor"].Address, Web3).IsAnchorerAsync(anchorer),
            "the anchoring service to grant its anchorer", TimeSpan.FromSeconds(60));
    }

    private Task Record(object message)
    {
        published.Enqueue(message);
        return Task.CompletedTask;
    }

    public Task PublishAsync(object message) => bus.Publish(message, message.GetType(), c => c.MessageId = Guid.NewGuid());

    public HttpClient InvoicingAs(Member member) => Environment.ClientFor(Invoicing.Address, member.Identity);

    public HttpClient InvoicingAs(MemberIdentity identity) => Environment.ClientFor(Invoicing.Address, identity);

    /// <summary>
    /// As the Machines service registers (register, then setTerms version 1 with the terms document's CID digest) and the
    /// customer accepts, then as Machines announces it to Anchoring; waits until Anchoring can encrypt for the group.
    /// </summary>
    public async Task<TestMachine> MachineAsync(Member? oem = null, PricingTerms? terms = null, uint periodSeconds = PeriodSeconds, Member? customer = null)
    {
        oem ??= Oem;
        customer ??= Customer;
        terms ??= StandardTerms;
        var id = Guid.CreateVersion7();
        var machine = Bytes32.FromGuid(id);
        var termsCid = await Store.PutAsync(terms.Canonical());
        var registered = await SendAsync(oem.Key, Registry.Register("", oem.Account, new MachineRegistration(machine, customer.Account, Bytes32.FromAscii(Model), Region,
            Cid.Compute(Encoding.UTF8.GetBytes($"spec {id}")).ToDigestBytes(), "0x" + new string('d', 40), 1, termsCid.ToDigestBytes())));
        await SendAsync(oem.Key, InvoicingContract.SetTerms("", oem.Account, machine, termsCid.ToDigestBytes(), periodSeconds));
        await PublishAsync(new MachineRegistered(id, oem.Account, customer.Account, Model, Region, "0x" + new string('d', 40), 1,
            Cid.Compute(Encoding.UTF8.GetBytes($"spec {id}")).V0, termsCid.DigestHex, registered.TransactionHash, (long)registered.BlockNumber.Value, DateTimeOffset.UtcNow));
        await Eventually.TrueAsync(async () =>
        {
            using var client = Environment.ClientFor(Anchoring.Address, TestMembers.Operator);
            using var response = await client.GetAsync($"/api/anchoring/machines/{id}/group");
            var body = response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : "";
            return body.Contains(oem.Account, StringComparison.Ordinal) && body.Contains(customer.Account, StringComparison.Ordinal);
        }, $"anchoring to know machine {id}'s group");
        await SendAsync(customer.Key, Registry.Accept("", customer.Account, machine, 1));
        var onChain = await InvoicingContract.CurrentTermsAsync(machine);
        return new TestMachine(id, oem, customer, onChain!.Epoch!.Value.ToUnixTimeSeconds(), periodSeconds, terms);
    }

    /// <summary>Publishes a sealed batch of <paramref name="readings"/> as Telemetry would, and waits until it is anchored at finality.</summary>
    public async Task<TelemetryBatchAnchored> AnchorAsync(Guid machine, long batchSeq, IReadOnlyList<Reading> readings)
    {
        await PublishAsync(new TelemetryBatchSealed(machine, batchSeq, readings[0].Seq, readings[^1].Seq, readings.Count, readings[0].Timestamp, readings[^1].Timestamp,
            ReadingBatchEncoding.JoinLines(readings.Select(r => r.Canonical())), DateTimeOffset.UtcNow));
        return await Eventually.GetAsync(() => Task.FromResult(Published<TelemetryBatchAnchored>().FirstOrDefault(a => a.MachineId == machine && a.BatchSeq == batchSeq)),
            $"batch {batchSeq} of {machine} to be anchored", TimeSpan.FromSeconds(60));
    }

    public static Reading Reading(Guid machine, long seq, long ts, ReadingStatus status = ReadingStatus.Running, long produced = 10, long rejected = 0) =>
        new(machine, seq, ts, status, produced, rejected, new Dictionary<string, long> { ["temp_mc"] = 20_000 + seq });

    /// <summary>The invoice as the service shows it to <paramref name="member"/>, once <paramref name="until"/> holds.</summary>
    public Task<InvoiceView> InvoiceAsync(Member member, Guid machine, uint period, Func<InvoiceView, bool> until, TimeSpan? timeout = null) =>
        Eventually.GetAsync(async () =>
        {
            using var client = InvoicingAs(member);
            using var response = await client.GetAsync($"/api/invoicing/invoices/{InvoiceIds.For(machine, period)}");
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{(int)response.StatusCode}: {body}");
            var view = System.Text.Json.JsonSerializer.Deserialize<InvoiceView>(body, Json);
            return view is not null && until(view) ? view : throw new InvalidOperationException($"not yet: {body}");
        }, $"invoice {InvoiceIds.For(machine, period)}", timeout ?? TimeSpan.FromSeconds(90));

    public static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>
    /// Waits until the chain's clock has passed <paramref name="unixSeconds"/>: the pending block's time, which the next
    /// mined block carries at least (the shared dev chain's clock may run hours ahead of the wall clock, and its latest
    /// block stands still while nobody sends).
    /// </summary>
    public async Task ChainTimePassesAsync(long unixSeconds) =>
        await Eventually.TrueAsync(async () =>
        {
            var pending = await Web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(BlockParameter.CreatePending());
            return (long)pending.Timestamp.Value > unixSeconds;
        }, $"chain time past {unixSeconds}", TimeSpan.FromSeconds(120));

    public async Task<long> BlockNumberAsync() => (long)(await Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value;

    /// <summary>Hashes of the transactions in blocks <paramref name="from"/>..<paramref name="to"/> whose call data names <paramref name="machine"/>.</summary>
    public async Task<IReadOnlyList<string>> TransactionsMentioningAsync(Guid machine, long from, long to)
    {
        var id = Convert.ToHexStringLower(Bytes32.FromGuid(machine));
        var found = new List<string>();
        for (var number = from; number <= to; number++)
        {
            var block = await Web3.Eth.Blocks.GetBlockWithTransactionsByNumber.SendRequestAsync(new BlockParameter((ulong)number));
            found.AddRange(block.Transactions.Where(t => t.Input?.Contains(id, StringComparison.OrdinalIgnoreCase) == true).Select(t => t.TransactionHash));
        }
        return found;
    }

    public async Task<long> BlockTimeAsync(long block) =>
        (long)(await Web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(new BlockParameter((ulong)block))).Timestamp.Value;

    private async Task<(Member, MemberJoined)> EnrolAsync(string name, Roles roles, bool held)
    {
        var key = held ? (await Keys.FindAsync(await Keys.CreateAsync(name)))! : EthECKey.GenerateKey();
        var member = new Member(name, key, roles, held);
        await Environment.FundAsync(member.Account);
        var consortium = new ConsortiumContract(Deployment["Consortium"].Address, Web3);
        var code = EthECKey.GenerateKey();
        var expires = DateTimeOffset.FromUnixTimeSeconds((long)(await Web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(BlockParameter.CreateLatest())).Timestamp.Value + 86_400);
        await SendAsync(Environment.Operator, consortium.CreateInvitation("", Environment.Operator.GetPublicAddress(), code.GetPublicAddress(), (ChainRoles)(int)roles, expires));
        var signature = new EthereumMessageSigner().Sign(await consortium.RedemptionHashAsync(member.Account), code).HexToByteArray();
        var redeemed = await SendAsync(key, consortium.RedeemInvitation("", member.Account, signature));
        return (member, new MemberJoined(MemberIds.For(member.Account), member.Account, (int)roles, redeemed.TransactionHash, (long)redeemed.BlockNumber.Value, DateTimeOffset.UtcNow));
    }

    public async Task<TransactionReceipt> SendAsync(EthECKey from, TransactionRequest request)
    {
        // A key the deployment holds is used by its services too: send through their writer, which owns that key's nonce
        // sequence (a transaction sent beside it would take a nonce the writer believes free, and stall its next one).
        if (Invoicing is not null && await Keys.FindAsync(from.GetPublicAddress()) is not null)
        {
            var writer = Invoicing.Services.GetRequiredService<ITransactionWriter>();
            var record = await writer.SendAsync(request with { IdempotencyKey = $"tests/{Guid.NewGuid()}" });
            record = await Eventually.GetAsync(async () => await writer.RefreshAsync(record) is { IsInBlock: true } mined ? mined : null, "the transaction to be mined");
            var sent = await Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(record.Hash);
            sent.Status.Value.ShouldBe(1, $"{request.Data[..10]} to {request.To} reverted");
            return sent;
        }
        var web3 = new Web3(new Account(from, TestServers.ChainId), Environment.RpcUrl.ToString());
        var input = new TransactionInput { Data = request.Data, To = request.To, From = from.GetPublicAddress(), Value = new HexBigInteger(request.Value) };
        input.Gas = new HexBigInteger((await web3.Eth.TransactionManager.EstimateGasAsync(input)).Value * 3 / 2);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var receipt = await web3.Eth.TransactionManager.SendTransactionAndWaitForReceiptAsync(input, timeout.Token);
        receipt.Status.Value.ShouldBe(1, $"{request.Data[..10]} to {request.To} reverted");
        return receipt;
    }

    /// <summary>The contract's own refusal of <paramref name="request"/> from <paramref name="from"/>, by error name (simulated, nothing mined).</summary>
    public async Task<string> RefusalAsync(string from, TransactionRequest request)
    {
        try
        {
            await Web3.Eth.TransactionManager.EstimateGasAsync(new TransactionInput { Data = request.Data, To = request.To, From = from, Value = new HexBigInteger(request.Value) });
        }
        catch (Exception ex) when (RevertDecoder.RevertDataOf(ex) is { } data)
        {
            return RevertDecoder.Decode(data).ErrorName;
        }
        throw new ShouldAssertException($"{request.Data[..10]} from {from} was not refused");
    }

    public async ValueTask DisposeAsync()
    {
        await bus.StopAsync();
        await Invoicing.DisposeAsync();
        await Anchoring.DisposeAsync();
        if (keyData is not null) await keyData.DisposeAsync();
        await Environment.DisposeAsync();
    }
}

public abstract class WorldFixture : IAsyncLifetime
{
    protected abstract string Purpose { get; }

    /// <summary>Registrations added to the Invoicing host's; none by default.</summary>
    protected virtual void ConfigureInvoicing(IServiceCollection services)
    {
    }

    public InvoicingWorld World { get; private set; } = null!;

    public async Task InitializeAsync() => World = await InvoicingWorld.CreateAsync(Purpose, ConfigureInvoicing);

    public async Task DisposeAsync() => await World.DisposeAsync();
}
