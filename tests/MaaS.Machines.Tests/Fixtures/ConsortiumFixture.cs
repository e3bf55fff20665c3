using System.Net;
using System.Text;
using MaaS.Gateway;
using MaaS.Machines.Machines;
using MaaS.Machines.Members;
using MaaS.Machines.Members.Inviting;
using MaaS.Machines.Members.Listing;
using MaaS.Machines.Members.Redeeming;
using MaaS.ServiceDefaults.ChainFacts;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Nethereum.Signer;
using Shouldly;

namespace MaaS.Machines.Tests.Fixtures;

/// <summary>A member of the test consortium, with the API key its redemption handed out.</summary>
public sealed record TestMember(string Name, string Role, Guid MemberId, string Account, string ApiKey);

/// <summary>An operation that failed where the test needed it to succeed (not retried by <see cref="Eventually"/>).</summary>
public sealed class OperationFailedException(OperationView operation)
    : Exception($"Operation {operation.Id} ({operation.Kind}) failed: {operation.Error}");

/// <summary>
/// The Machines service and the gateway in an environment of their own, and a consortium built the way a real one is:
/// the operator invites, each member redeems its invitation anonymously through the gateway and gets its API key, the
/// OEM accredits the maintainers. One OEM, two customers, two maintainers (one for every region, one for
/// <see cref="Region"/> only). The service reaches the node through an <see cref="RpcRelay"/>, and confirms after
/// <see cref="Confirmations"/> blocks, so that observed and final differ; the helpers mine blocks while waiting for finality.
/// </summary>
public class ConsortiumFixture : IAsyncLifetime
{
    public const string Model = "CNC-5X";
    public const ushort Region = 7;
    /// <summary>
    /// Blocks on top before the service calls anything final. Enough that other test runs sending transactions to the
    /// shared node cannot make an operation skip "mined" between two polls; the helpers mine them at once when waiting.
    /// </summary>
    public const int Confirmations = 6;

    private readonly Dictionary<string, HttpClient> clients = [];
    private HttpClient? anonymous;

    public IsolatedEnvironment Environment { get; private set; } = null!;

    public ServiceHost<MachinesApi> MachinesHost { get; private set; } = null!;

    public ServiceHost<GatewayApi> Gateway { get; private set; } = null!;

    public RpcRelay Relay { get; private set; } = null!;

    public ChainProbe Chain { get; private set; } = null!;

    public TestMember Operator { get; private set; } = null!;

    public TestMember Oem { get; private set; } = null!;

    public TestMember Customer { get; private set; } = null!;

    public TestMember OtherCustomer { get; private set; } = null!;

    /// <summary>Accredited by <see cref="Oem"/> for <see cref="Model"/> in every region.</summary>
    public TestMember Maintainer { get; private set; } = null!;

    /// <summary>Accredited by <see cref="Oem"/> for <see cref="Model"/> in <see cref="Region"/> only.</summary>
    public TestMember RegionalMaintainer { get; private set; } = null!;

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

    /// <summary>Through the gateway without a key.</summary>
    public HttpClient Anonymous => anonymous ??= Gateway.CreateHttpClient();

    public virtual async Task InitializeAsync()
    {
        Environment = await IsolatedEnvironment.CreateAsync("machines");
        Relay = await RpcRelay.StartAsync(Environment.RpcUrl);
        Chain = new ChainProbe(Environment, Confirmations);
        await BeforeServicesStartAsync();
        StartServices();
        var operatorAccount = Environment.Operator.GetPublicAddress().ToLowerInvariant();
        Operator = new TestMember("Consortium operator", "operator", MemberIds.For(operatorAccount), operatorAccount, Environment.OperatorApiKey);

        var members = await Task.WhenAll(
            JoinAsync("oem", "Acme Machines"), JoinAsync("customer", "Factory Co"), JoinAsync("customer", "Mill Works"),
            JoinAsync("maintainer", "FixIt Ltd"), JoinAsync("maintainer", "RepairPro"));
        (Oem, Customer, OtherCustomer, Maintainer, RegionalMaintainer) = (members[0], members[1], members[2], members[3], members[4]);
        await Task.WhenAll(AccreditAsync(Oem, Maintainer, Model, region: null), AccreditAsync(Oem, RegionalMaintainer, Model, Region));
    }

    /// <summary>Runs after the environment exists and before the service publishes anything.</summary>
    protected virtual Task BeforeServicesStartAsync() => Task.CompletedTask;

    /// <summary>
    /// Stops the Machines service (and the gateway in front of it) and starts a new instance on the same database,
    /// virtual host and chain. <paramref name="whileDown"/> runs in between.
    /// </summary>
    public async Task RestartMachinesAsync(Func<Task>? whileDown = null)
    {
        await StopServicesAsync();
        if (whileDown is not null) await whileDown();
        StartServices();
    }

    private void StartServices()
    {
        var settings = Environment.ServiceSettings();
        settings["Chain:RpcUrl"] = Relay.Address.ToString();
        settings["Chain:Confirmations"] = Confirmations.ToString(System.Globalization.CultureInfo.InvariantCulture);
        MachinesHost = new ServiceHost<MachinesApi>(settings);
        Gateway = new ServiceHost<GatewayApi>(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Identity:SigningKey"] = Environment.Identity.SigningKey,
            ["ReverseProxy:Clusters:machines:Destinations:d1:Address"] = MachinesHost.Address.ToString(),
        });
        _ = Gateway.Address;
    }

    private async Task StopServicesAsync()
    {
        lock (clients)
        {
            foreach (var client in clients.Values) client.Dispose();
            clients.Clear();
        }
        anonymous?.Dispose();
        anonymous = null;
        if (Gateway is not null) await Gateway.DisposeAsync();
        if (MachinesHost is not null) await MachinesHost.DisposeAsync();
    }

    // ---- membership

    public async Task<InvitationResponse> InviteAsync(string name, string role, int expiresInHours = 72)
    {
        using var response = await As(Operator).PostJsonAsync("/api/machines/members/invitations", new { name, roles = new[] { role }, expiresInHours });
        var invitation = await response.ReadAsync<InvitationResponse>(HttpStatusCode.Accepted);
        await WaitForOperationAsync(Operator, invitation.OperationId);
        return invitation;
    }

    public async Task<RedemptionResponse> RedeemAsync(string code, string name)
    {
        using var response = await Anonymous.PostJsonAsync("/api/machines/members/redemptions", new { code, name });
        return await response.ReadAsync<RedemptionResponse>(HttpStatusCode.Accepted);
    }

    /// <summary>Invite, redeem, wait until the chain says the member joined: what a newcomer goes through.</summary>
    public async Task<TestMember> JoinAsync(string role, string name)
    {
        var invitation = await InviteAsync(name, role);
        var redemption = await RedeemAsync(invitation.Code, name);
        var member = new TestMember(name, role, redemption.MemberId, redemption.Account, redemption.ApiKey);
        await WaitForOperationAsync(member, redemption.OperationId);
        await Eventually.GetAsync(async () => await As(member).GetAsync<MemberResponse>("/api/machines/members/me") is { Status: "active" } me ? me : null,
            $"{name} to be an active member", TimeSpan.FromSeconds(60));
        return member;
    }

    public async Task AccreditAsync(TestMember oem, TestMember maintainer, string model, ushort? region)
    {
        using var response = await As(oem).PostJsonAsync("/api/machines/accreditations", new { maintainerId = maintainer.MemberId, model, region });
        var operation = await response.ReadAsync<OperationView>(HttpStatusCode.Accepted);
        await WaitForOperationAsync(oem, operation.Id);
        await Eventually.TrueAsync(async () => (await As(maintainer).GetAsync<List<AccreditationView>>("/api/machines/accreditations"))
            .Any(a => a.OemId == oem.MemberId && a.Model == model && a.Region == (region ?? Accreditations.AllRegions) && a.ActiveFinal),
            $"{maintainer.Name} to be accredited for {model}", TimeSpan.FromSeconds(60));
    }

    // ---- machines

    public static byte[] SpecDocument(string model) => Encoding.UTF8.GetBytes($"{model} five-axis CNC mill: spindle 24k rpm, 3 kW; serial {Guid.NewGuid():N}");

    /// <summary>A registration body as an ERP would send it.</summary>
    public static Dictionary<string, object?> NewMachine(TestMember customer, string model = Model, ushort region = Region, Guid? machineId = null, byte[]? spec = null) => new()
    {
        ["machineId"] = machineId,
        ["customerId"] = customer.MemberId,
        ["model"] = model,
        ["region"] = region,
        ["deviceAddress"] = EthECKey.GenerateKey().GetPublicAddress(),
        ["telemetryIntervalSeconds"] = 60,
        ["specDocument"] = Convert.ToBase64String(spec ?? SpecDocument(model)),
        ["terms"] = MaaS.OffChain.Invoicing.PricingTerms.Example.ToJson(),
        ["billingPeriodSeconds"] = 30 * 24 * 3600,
    };

    /// <summary>Registers a machine and returns its id and the registration operation (as answered, not awaited).</summary>
    public async Task<(Guid MachineId, OperationView Operation)> RegisterAsync(TestMember oem, TestMember customer, string model = Model, ushort region = Region)
    {
        using var response = await As(oem).PostJsonAsync("/api/machines", NewMachine(customer, model, region));
        var operation = await response.ReadAsync<OperationView>(HttpStatusCode.Accepted);
        return (Guid.Parse(operation.Subject), operation);
    }

    /// <summary>A machine command through the gateway, answered 202 with the operation's location.</summary>
    public async Task<OperationView> CommandAsync(TestMember member, Guid machineId, string command, object? body = null, string? ifMatch = null, string? idempotencyKey = null)
    {
        using var response = await As(member).PostJsonAsync($"/api/machines/{machineId}/{command}", body, ifMatch, idempotencyKey);
        var operation = await response.ReadAsync<OperationView>(HttpStatusCode.Accepted);
        (response.Headers.Location?.ToString()).ShouldBe($"/api/machines/operations/{operation.Id}");
        return operation;
    }

    /// <summary>Registers a machine rented to <paramref name="customer"/> and has it accepted (and started, if asked), every step final.</summary>
    public async Task<Guid> ProvisionAsync(TestMember customer, MachineState until = MachineState.Accepted, string model = Model, ushort region = Region)
    {
        var (machineId, registration) = await RegisterAsync(Oem, customer, model, region);
        await WaitForOperationAsync(Oem, registration.Id);
        var machine = await WaitForMachineAsync(customer, machineId, m => m.FinalState == MachineState.Registered && m.LatestTermsVersion is not null);
        if (until == MachineState.Registered) return machineId;
        await WaitForOperationAsync(customer, (await CommandAsync(customer, machineId, "accept", new { termsVersion = machine.LatestTermsVersion })).Id);
        await WaitForMachineAsync(customer, machineId, m => m.FinalState == MachineState.Accepted);
        if (until == MachineState.Accepted) return machineId;
        await WaitForOperationAsync(customer, (await CommandAsync(customer, machineId, "start")).Id);
        await WaitForMachineAsync(customer, machineId, m => m.FinalState == MachineState.Executed);
        return machineId;
    }

    public async Task<(MachineDetails Machine, string ETag)> GetMachineAsync(TestMember member, Guid machineId)
    {
        using var response = await As(member).GetAsync($"/api/machines/{machineId}");
        var machine = await response.ReadAsync<MachineDetails>(HttpStatusCode.OK);
        return (machine, response.Headers.ETag?.ToString() ?? throw new InvalidOperationException("GET machine answered without an ETag."));
    }

    // ---- waiting

    /// <summary>Waits until the operation reaches <paramref name="until"/> (or went past it), mining blocks once it is mined so that it can become final.</summary>
    public Task<OperationView> WaitForOperationAsync(TestMember member, Guid operationId, OperationStatus until = OperationStatus.Final) =>
        Eventually.GetAsync(async () =>
        {
            var operation = await As(member).GetAsync<OperationView>($"/api/machines/operations/{operationId}");
            if (operation.Status == until || (operation.Status != OperationStatus.Failed && operation.Status > until)) return operation;
            if (operation.Status == OperationStatus.Failed) throw new OperationFailedException(operation);
            if (operation.Status == OperationStatus.Mined) await Chain.MineAsync(Confirmations);
            return null;
        }, $"operation {operationId} to be {until}", TimeSpan.FromSeconds(90));

    /// <summary>Waits until the machine, as <paramref name="member"/> sees it, satisfies <paramref name="condition"/>; mines while facts await finality.</summary>
    public Task<MachineDetails> WaitForMachineAsync(TestMember member, Guid machineId, Func<MachineDetails, bool> condition, string? what = null) =>
        Eventually.GetAsync(async () =>
        {
            var machine = await As(member).GetAsync<MachineDetails>($"/api/machines/{machineId}");
            if (condition(machine)) return machine;
            if (machine.History.Any(h => h.Status == FactStatus.Observed)) await Chain.MineAsync(Confirmations);
            return null;
        }, what ?? $"machine {machineId}", TimeSpan.FromSeconds(90));

    public virtual async Task DisposeAsync()
    {
        await StopServicesAsync();
        if (Relay is not null) await Relay.DisposeAsync();
        if (Chain is not null) await Chain.DisposeAsync();
        if (Environment is not null) await Environment.DisposeAsync();
    }
}
