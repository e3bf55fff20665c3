using System.Net;
using System.Text;
using MaaS.Chain.Deployment;
using MaaS.Gateway;
using MaaS.Machines;
using MaaS.Machines.Machines;
using MaaS.Machines.Members.Inviting;
using MaaS.Machines.Members.Listing;
using MaaS.Machines.Members.Redeeming;
using MaaS.Maintenance.Accreditations;
using MaaS.Maintenance.Machines;
using MaaS.Maintenance.Tickets.Reading;
using MaaS.Maintenance.Watchdogs;
using MaaS.OffChain;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Signer;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;
using Shouldly;
using ChainMachineState = MaaS.Chain.Contracts.MachineState;
using MachineState = MaaS.Machines.Machines.MachineState;

namespace MaaS.Maintenance.Tests.Fixtures;

/// <summary>A member of the test consortium, with the API key its redemption handed out.</summary>
public sealed record TestMember(string Name, string Role, Guid MemberId, string Account, string ApiKey);

/// <summary>An operation that failed where the test needed it to succeed (not retried by <see cref="Eventually"/>).</summary>
public sealed class OperationFailedException(OperationView operation) : Exception($"Operation {operation.Id} ({operation.Kind}) failed: {operation.Error}");

/// <summary>
/// The maintenance market on real servers: a node of its own (a private anvil, so a test may stop the blocks, put two
/// transactions in one block or reorg it), fresh contracts deployed there, the real Machines and Maintenance services
/// (confirmations k = 2: observed and final differ) on their own database and virtual host, the gateway with real API
/// keys, and a consortium built the way a real one is (invite → redeem → accredit). The Maintenance service reaches
/// the node through an <see cref="RpcRelay"/> so a test can cut it off between signing and sending.
/// </summary>
public sealed class MarketFixture : IAsyncLifetime
{
    public const int Confirmations = 2;
    public const ushort Region = 7;

    /// <summary>Preventive tickets have short SLA targets here, so that a test can watch a breach happen.</summary>
    public static readonly TimeSpan PreventiveAcceptTarget = TimeSpan.FromSeconds(3);

    public static readonly TimeSpan PreventiveResolutionTarget = TimeSpan.FromSeconds(8);

    private readonly Dictionary<string, HttpClient> clients = [];
    private Dictionary<string, string?> settings = [];
    private PrivateAnvil anvil = null!;

    public IsolatedEnvironment Environment { get; private set; } = null!;

    public ServiceHost<MachinesApi> MachinesHost { get; private set; } = null!;

    public ServiceHost<MaintenanceApi> MaintenanceHost { get; private set; } = null!;

    public ServiceHost<GatewayApi> Gateway { get; private set; } = null!;

    public RpcRelay Relay { get; private set; } = null!;

    public ChainTools Chain { get; private set; } = null!;

    public EventProbe Events { get; private set; } = null!;

    public TestMember Operator { get; private set; } = null!;

    public TestMember Oem { get; private set; } = null!;

    public TestMember Customer { get; private set; } = null!;

    public TestMember OtherCustomer { get; private set; } = null!;

    public TestMember MaintainerA { get; private set; } = null!;

    public TestMember MaintainerB { get; private set; } = null!;

    public TestMember MaintainerC { get; private set; } = null!;

    /// <summary>A maintainer no OEM ever accredits.</summary>
    public TestMember Outsider { get; private set; } = null!;

    public IReadOnlyList<TestMember> Maintainers => [MaintainerA, MaintainerB, MaintainerC, Outsider];

    public async Task InitializeAsync()
    {
        Environment = await IsolatedEnvironment.CreateAsync("maintenance", deploy: false);
        anvil = await PrivateAnvil.StartAsync();
        var deploymentFile = await DeployAsync();
        Relay = await RpcRelay.StartAsync(anvil.RpcUrl);
        settings = Environment.ServiceSettings();
        settings["Chain:RpcUrl"] = anvil.RpcUrl.ToString();
        settings["Chain:DeploymentFile"] = deploymentFile;
        settings["Chain:Confirmations"] = Confirmations.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Consortium:OperatorPrivateKey"] = Environment.Operator.GetPrivateKeyAsBytes().ToHex(true);
        settings["Maintenance:Sla:Preventive:TimeToAccept"] = PreventiveAcceptTarget.ToString();
        settings["Maintenance:Sla:Preventive:TimeToResolution"] = PreventiveResolutionTarget.ToString();
        settings["Maintenance:Sla:SweepInterval"] = "00:00:00.200";
        settings["Maintenance:Watchdogs:PollInterval"] = "00:00:00.100";
        Chain = new ChainTools(anvil.RpcUrl, settings, Environment.Postgres);
        Events = await EventProbe.StartAsync(Environment.RabbitMq);
        StartServices();

        var operatorAccount = Environment.Operator.GetPublicAddress().ToLowerInvariant();
        Operator = new TestMember("Consortium operator", "operator", MemberIds.For(operatorAccount), operatorAccount, Environment.OperatorApiKey);
        var members = await Task.WhenAll(
            JoinAsync("oem", "Acme Machines"), JoinAsync("customer", "Factory Co"), JoinAsync("customer", "Mill Works"),
            JoinAsync("maintainer", "FixIt Ltd"), JoinAsync("maintainer", "RepairPro"), JoinAsync("maintainer", "QuickFix"),
            JoinAsync("maintainer", "Far Away Repairs"));
        (Oem, Customer, OtherCustomer, MaintainerA, MaintainerB, MaintainerC, Outsider) = (members[0], members[1], members[2], members[3], members[4], members[5], members[6]);
    }

    /// <summary>Deploys this environment's contracts on the private node with the environment's operator key.</summary>
    private async Task<string> DeployAsync()
    {
        var web3 = anvil.Web3();
        await web3.Client.SendRequestAsync<object>("anvil_setBalance", null, Environment.Operator.GetPublicAddress(),
            new Nethereum.Hex.HexTypes.HexBigInteger(System.Numerics.BigInteger.Pow(10, 24)).HexValue);
        var deployer = new ContractDeployer(new Web3(new Account(Environment.Operator, TestServers.ChainId), anvil.RpcUrl.ToString()),
            new OffChainSourceStore(new EmbeddedOffChainStore(Environment.OffChainDirectory)));
        var standardInput = await File.ReadAllBytesAsync(Path.Combine(Repository.Root, "contracts/solidity/artifacts/standard-input.json"));
        var deployment = await deployer.DeployAsync(standardInput, new DeploymentOptions
        {
            FaucetWei = System.Numerics.BigInteger.Pow(10, 22),
            GasAllowanceWei = System.Numerics.BigInteger.Pow(10, 19),
        });
        await deployment.SaveAsync(Environment.DeploymentFile);
        return Environment.DeploymentFile;
    }

    private void StartServices()
    {
        MachinesHost = new ServiceHost<MachinesApi>(settings);
        StartMaintenance();
        Gateway = new ServiceHost<GatewayApi>(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Identity:SigningKey"] = Environment.Identity.SigningKey,
            ["ReverseProxy:Clusters:machines:Destinations:d1:Address"] = MachinesHost.Address.ToString(),
            ["ReverseProxy:Clusters:maintenance:Destinations:d1:Address"] = MaintenanceHost.Address.ToString(),
        });
        _ = Gateway.Address;
    }

    private void StartMaintenance()
    {
        var maintenance = new Dictionary<string, string?>(settings) { ["Chain:RpcUrl"] = Relay.Address.ToString(), ["Logging:LogLevel:MaaS.Maintenance"] = "Information" };
        MaintenanceHost = new ServiceHost<MaintenanceApi>(maintenance);
        _ = MaintenanceHost.Address;
    }

    /// <summary>
    /// Stops the Maintenance service and starts a new instance on the same database, virtual host and chain, behind a
    /// gateway that routes to it. <paramref name="whileDown"/> runs in between.
    /// </summary>
    public async Task RestartMaintenanceAsync(Func<Task>? whileDown = null)
    {
        await Gateway.DisposeAsync();
        await MaintenanceHost.DisposeAsync();
        lock (clients)
        {
            foreach (var client in clients.Values) client.Dispose();
            clients.Clear();
        }
        if (whileDown is not null) await whileDown();
        StartMaintenance();
        Gateway = new ServiceHost<GatewayApi>(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Identity:SigningKey"] = Environment.Identity.SigningKey,
            ["ReverseProxy:Clusters:machines:Destinations:d1:Address"] = MachinesHost.Address.ToString(),
            ["ReverseProxy:Clusters:maintenance:Destinations:d1:Address"] = MaintenanceHost.Address.ToString(),
        });
        _ = Gateway.Address;
    }

    /// <summary>Through the gateway with the member's API key.</summary>
    public HttpClient As(TestMember member)
    {
        lock (clients)
        {
            if (clients.TryGetValue(member.ApiKey, out var client)) return client;
            client = Gateway.CreateHttpClient();
            client.Timeout = TimeSpan.FromSeconds(60);
            client.DefaultRequestHeaders.Add("X-Api-Key", member.ApiKey);
            return clients[member.ApiKey] = client;
        }
    }

    /// <summary>The Maintenance service's own store (what it has learnt from the bus, for tests that must wait for it).</summary>
    public IDocumentStore MaintenanceStore => MaintenanceHost.Services.GetRequiredService<IDocumentStore>();

    // ---- membership

    /// <summary>Invite, redeem anonymously, wait until the chain says the member joined: what a newcomer goes through.</summary>
    public async Task<TestMember> JoinAsync(string role, string name)
    {
        using var invited = await As(Operator).PostJsonAsync("/api/machines/members/invitations", new { name, roles = new[] { role }, expiresInHours = 72 });
        var invitation = await invited.ReadAsync<InvitationResponse>(HttpStatusCode.Accepted);
        await WaitForOperationAsync(Operator, invitation.OperationId, "machines");
        using var anonymous = Gateway.CreateHttpClient();
        using var redeemed = await anonymous.PostJsonAsync("/api/machines/members/redemptions", new { code = invitation.Code, name });
        var redemption = await redeemed.ReadAsync<RedemptionResponse>(HttpStatusCode.Accepted);
        var member = new TestMember(name, role, redemption.MemberId, redemption.Account, redemption.ApiKey);
        await WaitForOperationAsync(member, redemption.OperationId, "machines");
        await Eventually.GetAsync(async () => await As(member).GetAsync<MemberResponse>("/api/machines/members/me") is { Status: "active" } me ? me : null,
            $"{name} to be an active member", TimeSpan.FromSeconds(60));
        return member;
    }

    /// <summary>The OEM accredits the maintainer for a model (every region unless given), and the Maintenance service has heard of it.</summary>
    public async Task AccreditAsync(TestMember maintainer, string model, ushort? region = null)
    {
        using var response = await As(Oem).PostJsonAsync("/api/machines/accreditations", new { maintainerId = maintainer.MemberId, model, region });
        var operation = await response.ReadAsync<OperationView>(HttpStatusCode.Accepted);
        await WaitForOperationAsync(Oem, operation.Id, "machines");
        await Eventually.TrueAsync(async () =>
        {
            await using var session = MaintenanceStore.QuerySession();
            return await session.Query<AccreditationRecord>().AnyAsync(a => a.MaintainerId == maintainer.MemberId && a.Model == model && a.Active);
        }, $"the Maintenance service to hear that {maintainer.Name} is accredited for {model}", TimeSpan.FromSeconds(60));
    }

    // ---- machines (through the Machines service, as an ERP would)

    /// <summary>Registers a machine of <paramref name="model"/> rented to <paramref name="customer"/>, accepted and started, every step final; the Maintenance service knows it.</summary>
    public async Task<Guid> ProvisionAsync(TestMember customer, string model, ushort region = Region)
    {
        using var response = await As(Oem).PostJsonAsync("/api/machines", new Dictionary<string, object?>
        {
            ["customerId"] = customer.MemberId,
            ["model"] = model,
            ["region"] = region,
            ["deviceAddress"] = EthECKey.GenerateKey().GetPublicAddress(),
            ["telemetryIntervalSeconds"] = 60,
            ["specDocument"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{model} serial {Guid.NewGuid():N}")),
            ["terms"] = MaaS.OffChain.Invoicing.PricingTerms.Example.ToJson(),
            ["billingPeriodSeconds"] = 30 * 24 * 3600,
        });
        var registration = await response.ReadAsync<OperationView>(HttpStatusCode.Accepted);
        var machineId = Guid.Parse(registration.Subject);
        await WaitForOperationAsync(Oem, registration.Id, "machines");
        var machine = await WaitForMachineAsync(customer, machineId, m => m.FinalState == MachineState.Registered && m.LatestTermsVersion is not null);
        await MachineCommandAsync(customer, machineId, "accept", new { termsVersion = machine.LatestTermsVersion });
        await MachineCommandAsync(customer, machineId, "start");
        await WaitForMachineAsync(customer, machineId, m => m.FinalState == MachineState.Executed);
        await Eventually.TrueAsync(async () =>
        {
            await using var session = MaintenanceStore.QuerySession();
            return await session.LoadAsync<ServicedMachine>(machineId) is { FinalState: ChainMachineState.Executed };
        }, $"the Maintenance service to follow machine {machineId}", TimeSpan.FromSeconds(60));
        return machineId;
    }

    /// <summary>A machine command (accept, start, stop, reset) through the Machines service, waited until the machine shows its fact final.</summary>
    public async Task MachineCommandAsync(TestMember member, Guid machineId, string command, object? body = null)
    {
        using var response = await As(member).PostJsonAsync($"/api/machines/{machineId}/{command}", body);
        var operation = await response.ReadAsync<OperationView>(HttpStatusCode.Accepted);
        var hash = (await WaitForOperationAsync(member, operation.Id, "machines")).Steps[^1].TransactionHash;
        await WaitForMachineAsync(member, machineId, m => m.History.Any(h => h.TransactionHash == hash && h.Status == ServiceDefaults.ChainFacts.FactStatus.Final));
    }

    public Task<MachineDetails> WaitForMachineAsync(TestMember member, Guid machineId, Func<MachineDetails, bool> condition, int seconds = 90) =>
        Eventually.GetAsync(async () =>
        {
            var machine = await As(member).GetAsync<MachineDetails>($"/api/machines/{machineId}");
            return condition(machine) ? machine : null;
        }, $"machine {machineId}", TimeSpan.FromSeconds(seconds));

    /// <summary>
    /// The Machines service's part of the loop — stop the machine on a failure, reset and start it when the ticket is
    /// closed — done through its API unless its consumers did it within a few seconds (whoever comes second is refused
    /// with 409, which is fine).
    /// </summary>
    public async Task EnsureMachineAsync(TestMember customer, Guid machineId, MachineState target)
    {
        try
        {
            await WaitForMachineAsync(customer, machineId, m => m.FinalState == target, seconds: 5);
            return;
        }
        catch (TimeoutException)
        {
            var state = (await As(customer).GetAsync<MachineDetails>($"/api/machines/{machineId}")).State;
            string[] commands = target == MachineState.Stopped ? ["stop"] : state == MachineState.Stopped ? ["reset", "start"] : ["start"];
            foreach (var command in commands)
            {
                using var response = await As(customer).PostJsonAsync($"/api/machines/{machineId}/{command}", null);
                if (response.StatusCode == HttpStatusCode.Conflict) continue;
                await WaitForOperationAsync(customer, (await response.ReadAsync<OperationView>(HttpStatusCode.Accepted)).Id, "machines");
                await WaitForMachineAsync(customer, machineId, m => m.History.All(h => h.Status != ServiceDefaults.ChainFacts.FactStatus.Observed));
            }
        }
        await WaitForMachineAsync(customer, machineId, m => m.FinalState == target);
    }

    // ---- tickets

    public static object Fcfs(Guid machineId, string kind = "repair", string description = "Spindle stalls under load; error E42.") =>
        new { machineId, kind, mode = "fcfs", description };

    /// <summary>Opens a ticket as <paramref name="customer"/>: 202 with the operation, whose subject is the ticket id.</summary>
    public async Task<(Guid TicketId, OperationView Operation)> OpenTicketAsync(TestMember customer, object body)
    {
        using var response = await As(customer).PostJsonAsync("/api/maintenance/tickets", body);
        var operation = await response.ReadAsync<OperationView>(HttpStatusCode.Accepted);
        (response.Headers.Location?.ToString()).ShouldBe($"/api/maintenance/operations/{operation.Id}");
        return (Guid.Parse(operation.Subject), operation);
    }

    /// <summary>A ticket command through the gateway, answered 202 with the operation's location.</summary>
    public async Task<OperationView> TicketCommandAsync(TestMember member, Guid ticketId, string command, object? body = null, string? ifMatch = null)
    {
        using var response = await As(member).PostJsonAsync($"/api/maintenance/tickets/{ticketId}/{command}", body, ifMatch);
        var operation = await response.ReadAsync<OperationView>(HttpStatusCode.Accepted);
        (response.Headers.Location?.ToString()).ShouldBe($"/api/maintenance/operations/{operation.Id}");
        return operation;
    }

    public Task<TicketResponse> TicketAsync(TestMember member, Guid ticketId) => As(member).GetAsync<TicketResponse>($"/api/maintenance/tickets/{ticketId}");

    public Task<TicketResponse> WaitForTicketAsync(TestMember member, Guid ticketId, Func<TicketResponse, bool> condition, string? what = null, int seconds = 90) =>
        Eventually.GetAsync(async () =>
        {
            using var response = await As(member).GetAsync($"/api/maintenance/tickets/{ticketId}");
            if (response.StatusCode == HttpStatusCode.NotFound) return null;
            var ticket = await response.ReadAsync<TicketResponse>(HttpStatusCode.OK);
            return condition(ticket) ? ticket : null;
        }, what ?? $"ticket {ticketId}", TimeSpan.FromSeconds(seconds));

    /// <summary>The ticket of a machine, as the customer lists it (for tickets that a failure opened).</summary>
    public Task<TicketSummary> WaitForTicketOfAsync(Guid machineId, Func<TicketSummary, bool>? condition = null) =>
        Eventually.GetAsync(async () => (await As(Customer).GetAsync<List<TicketSummary>>("/api/maintenance/tickets?status=all"))
            .Where(t => t.MachineId == machineId).OrderByDescending(t => t.Seq).FirstOrDefault(t => condition?.Invoke(t) ?? true),
            $"a ticket of machine {machineId}", TimeSpan.FromSeconds(60));

    // ---- watchdogs

    public static WatchdogRules Rules(string model, bool accept = false, bool bid = false, bool seal = false, ulong price = 10_000, uint eta = 3_600, int capacity = 5) =>
        new(true, [model], [], [], capacity, accept, bid, seal, new PriceRule(price, price), new EtaRule(eta, eta));

    public async Task<WatchdogStatus> SetWatchdogAsync(TestMember maintainer, WatchdogRules rules)
    {
        using var response = await As(maintainer).PutJsonAsync("/api/maintenance/watchdogs/me", rules);
        return await response.ReadAsync<WatchdogStatus>(HttpStatusCode.OK);
    }

    /// <summary>Every maintainer's watchdog off, so that a test's tickets meet only the watchdogs it sets.</summary>
    public async Task DisableWatchdogsAsync()
    {
        foreach (var maintainer in Maintainers) await SetWatchdogAsync(maintainer, Rules("none") with { Enabled = false });
    }

    // ---- waiting

    /// <summary>Waits until the operation of <paramref name="service"/> reaches <paramref name="until"/> (the ticker makes blocks, so mined becomes final).</summary>
    public Task<OperationView> WaitForOperationAsync(TestMember member, Guid operationId, string service = "maintenance", OperationStatus until = OperationStatus.Final) =>
        Eventually.GetAsync(async () =>
        {
            var operation = await As(member).GetAsync<OperationView>($"/api/{service}/operations/{operationId}");
            if (operation.Status == until) return operation;
            if (operation.Status == OperationStatus.Failed) throw new OperationFailedException(operation);
            return null;
        }, $"operation {operationId} to be {until}", TimeSpan.FromSeconds(90));

    /// <summary>The operation as it stands, as the operator sees it (watchdogs' operations belong to the maintainers).</summary>
    public Task<OperationView> OperationAsync(Guid operationId) => As(Operator).GetAsync<OperationView>($"/api/maintenance/operations/{operationId}");

    public async Task DisposeAsync()
    {
        lock (clients)
        {
            foreach (var client in clients.Values) client.Dispose();
            clients.Clear();
        }
        if (Gateway is not null) await Gateway.DisposeAsync();
        if (MaintenanceHost is not null) await MaintenanceHost.DisposeAsync();
        if (MachinesHost is not null) await MachinesHost.DisposeAsync();
        if (Events is not null) await Events.DisposeAsync();
        if (Chain is not null) await Chain.DisposeAsync();
        if (Relay is not null) await Relay.DisposeAsync();
        if (anvil is not null) await anvil.DisposeAsync();
        if (Environment is not null) await Environment.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class MarketCollection : ICollectionFixture<MarketFixture>
{
    public const string Name = "maintenance market";
}
