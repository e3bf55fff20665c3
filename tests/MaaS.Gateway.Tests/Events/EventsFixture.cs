using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using MaaS.Machines;
using MaaS.Machines.Machines;
using MaaS.Machines.Members.Inviting;
using MaaS.Machines.Members.Listing;
using MaaS.Machines.Members.Redeeming;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using MaaS.Testing;
using Nethereum.Signer;
using Npgsql;

namespace MaaS.Gateway.Tests.Events;

/// <summary>A member of the test consortium and the API key its redemption handed out.</summary>
public sealed record Member(string Name, Guid MemberId, string Account, string ApiKey);

/// <summary>
/// The gateway with partner events on, in front of a real Machines service on a real socket, both on the environment's
/// PostgreSQL, RabbitMQ virtual host and the shared anvil chain (instant mining, final at once). The consortium is
/// built the real way: the operator invites, members redeem through the gateway, the OEM accredits a maintainer.
/// Webhook retries are fast here (200 ms, 3 attempts) so that dead letters come within a test.
/// </summary>
public sealed class EventsFixture : IAsyncLifetime
{
    public const string Model = "LATHE-2";
    public const ushort Region = 3;
    public const int MaxAttempts = 3;

    public IsolatedEnvironment Environment { get; private set; } = null!;

    public ServiceHost<MachinesApi> Machines { get; private set; } = null!;

    public ServiceHost<GatewayApi> Gateway { get; private set; } = null!;

    public WebhookReceiver Receiver { get; private set; } = null!;

    /// <summary>Seals the webhook secrets of this fixture's gateways (every instance of a deployment has the same).</summary>
    public string SecretsKey { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public Member Operator { get; private set; } = null!;

    public Member Oem { get; private set; } = null!;

    public Member Customer { get; private set; } = null!;

    /// <summary>Another customer of the same OEM: party to none of <see cref="Customer"/>'s machines.</summary>
    public Member Stranger { get; private set; } = null!;

    /// <summary>Accredited by <see cref="Oem"/> for <see cref="Model"/> in every region.</summary>
    public Member Maintainer { get; private set; } = null!;

    public HttpClient As(Member member)
    {
        var client = Gateway.CreateHttpClient();
        client.Timeout = TimeSpan.FromSeconds(60);
        client.DefaultRequestHeaders.Add("X-Api-Key", member.ApiKey);
        return client;
    }

    public HttpClient Anonymous() => Gateway.CreateHttpClient();

    public async Task InitializeAsync()
    {
        Environment = await IsolatedEnvironment.CreateAsync("events");
        Machines = new ServiceHost<MachinesApi>(Environment.ServiceSettings());
        _ = Machines.Address;
        Receiver = await WebhookReceiver.StartAsync();
        // The gateway's queue must be bound before the services publish what it should see.
        Gateway = new ServiceHost<GatewayApi>(GatewaySettings());
        _ = Gateway.Address;

        var operatorAccount = Environment.Operator.GetPublicAddress().ToLowerInvariant();
        Operator = new Member("operator", MemberIds.For(operatorAccount), operatorAccount, Environment.OperatorApiKey);
        var members = await Task.WhenAll(JoinAsync("oem", "Lathe Works"), JoinAsync("customer", "Gear Shop"), JoinAsync("customer", "Other Shop"),
            JoinAsync("maintainer", "Spindle Care"));
        (Oem, Customer, Stranger, Maintainer) = (members[0], members[1], members[2], members[3]);
        await AccreditAsync(Oem, Maintainer);
    }

    /// <summary>Settings of a gateway instance in this environment (a test may start a second one beside <see cref="Gateway"/>).</summary>
    public Dictionary<string, string?> GatewaySettings() => new()
    {
        ["Logging:LogLevel:Default"] = "Warning",
        ["Identity:SigningKey"] = Environment.Identity.SigningKey,
        ["ConnectionStrings:Postgres"] = Environment.Postgres,
        ["ConnectionStrings:RabbitMq"] = Environment.RabbitMq.ToString(),
        ["RabbitMq:ManagementUrl"] = Environment.Servers.RabbitMqManagement.ToString(),
        // The receivers of these tests listen on loopback.
        ["Gateway:Events:AllowPrivateNetworks"] = "true",
        ["Gateway:Events:SecretsKey"] = SecretsKey,
        ["Gateway:Events:BaseDelay"] = "00:00:00.200",
        ["Gateway:Events:MaxAttempts"] = MaxAttempts.ToString(CultureInfo.InvariantCulture),
        ["Gateway:Events:PollInterval"] = "00:00:00.100",
        ["Gateway:Events:Timeout"] = "00:00:05",
        ["ReverseProxy:Clusters:machines:Destinations:d1:Address"] = Machines.Address.ToString(),
    };

    public async Task<Member> JoinAsync(string role, string name)
    {
        using var op = As(Operator);
        using var invited = await op.PostJsonAsync("/api/machines/members/invitations", new { name, roles = new[] { role }, expiresInHours = 72 });
        var invitation = await invited.ReadAsync<InvitationResponse>(HttpStatusCode.Accepted);
        await WaitForOperationAsync(Operator, invitation.OperationId);
        using var anonymous = Anonymous();
        using var redeemed = await anonymous.PostJsonAsync("/api/machines/members/redemptions", new { code = invitation.Code, name });
        var redemption = await redeemed.ReadAsync<RedemptionResponse>(HttpStatusCode.Accepted);
        var member = new Member(name, redemption.MemberId, redemption.Account.ToLowerInvariant(), redemption.ApiKey);
        await WaitForOperationAsync(member, redemption.OperationId);
        using var self = As(member);
        await Eventually.GetAsync(async () => await self.GetAsync<MemberResponse>("/api/machines/members/me") is { Status: "active" } me ? me : null,
            $"{name} to be an active member", TimeSpan.FromSeconds(60));
        return member;
    }

    private async Task AccreditAsync(Member oem, Member maintainer)
    {
        using var client = As(oem);
        using var response = await client.PostJsonAsync("/api/machines/accreditations", new { maintainerId = maintainer.MemberId, model = Model, region = (ushort?)null });
        var operation = await response.ReadAsync<OperationView>(HttpStatusCode.Accepted);
        await WaitForOperationAsync(oem, operation.Id);
        // Known to the gateway's party index too (it learns accreditations from Machines' events).
        await Eventually.TrueAsync(async () => await ScalarAsync<long>(
            "SELECT count(*) FROM gateway.event_accreditations WHERE maintainer = $1 AND active", maintainer.Account) == 1,
            "the gateway to index the accreditation", TimeSpan.FromSeconds(60));
    }

    /// <summary>Registers a machine of <see cref="Oem"/> rented to <paramref name="customer"/>; with <paramref name="accept"/>, has the customer accept it. Every step final.</summary>
    public async Task<Guid> ProvisionAsync(Member customer, bool accept = true)
    {
        var body = new Dictionary<string, object?>
        {
            ["customerId"] = customer.MemberId,
            ["model"] = Model,
            ["region"] = Region,
            ["deviceAddress"] = EthECKey.GenerateKey().GetPublicAddress(),
            ["telemetryIntervalSeconds"] = 60,
            ["specDocument"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Model} lathe, serial {Guid.NewGuid():N}")),
            ["terms"] = MaaS.OffChain.Invoicing.PricingTerms.Example.ToJson(),
            ["billingPeriodSeconds"] = 30 * 24 * 3600,
        };
        using var oem = As(Oem);
        using var registered = await oem.PostJsonAsync("/api/machines", body);
        var registration = await registered.ReadAsync<OperationView>(HttpStatusCode.Accepted);
        await WaitForOperationAsync(Oem, registration.Id);
        var machineId = Guid.Parse(registration.Subject);
        if (!accept) return machineId;
        using var client = As(customer);
        var machine = await Eventually.GetAsync(async () => await client.GetAsync<MachineDetails>($"/api/machines/{machineId}") is
            { FinalState: MachineState.Registered, LatestTermsVersion: not null } m ? m : null, $"machine {machineId} to be registered");
        using var accepted = await client.PostJsonAsync($"/api/machines/{machineId}/accept", new { termsVersion = machine.LatestTermsVersion });
        await WaitForOperationAsync(customer, (await accepted.ReadAsync<OperationView>(HttpStatusCode.Accepted)).Id);
        return machineId;
    }

    public async Task WaitForOperationAsync(Member member, Guid operationId)
    {
        using var client = As(member);
        await Eventually.GetAsync(async () =>
        {
            var operation = await client.GetAsync<OperationView>($"/api/machines/operations/{operationId}");
            if (operation.Status == OperationStatus.Failed) throw new InvalidOperationException($"Operation {operationId} failed: {operation.Error}");
            return operation.Status == OperationStatus.Final ? operation : null;
        }, $"operation {operationId} to be final", TimeSpan.FromSeconds(90));
    }

    /// <summary>A webhook subscription of <paramref name="member"/> to <see cref="WebhookReceiver"/>'s hook <paramref name="hook"/>; the receiver learns its secret.</summary>
    public async Task<Guid> SubscribeAsync(Member member, string hook, string[] eventTypes, Guid[]? machineIds = null)
    {
        using var client = As(member);
        using var response = await client.PostJsonAsync("/api/subscriptions", new { url = Receiver.UrlFor(hook), eventTypes, machineIds });
        var created = await response.ReadAsync<JsonElement>(HttpStatusCode.Created);
        Receiver.Trust(hook, created.GetProperty("secret").GetString()!);
        return created.GetProperty("id").GetGuid();
    }

    /// <summary>The RabbitMQ management API as the test servers' administrator, to see what the gateway made there.</summary>
    public HttpClient Management()
    {
        var uri = Environment.Servers.RabbitMqManagement;
        var client = new HttpClient { BaseAddress = new Uri(uri.GetLeftPart(UriPartial.Authority) + "/") };
        var credentials = string.IsNullOrEmpty(uri.UserInfo) ? "guest:guest" : Uri.UnescapeDataString(uri.UserInfo);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        return client;
    }

    /// <summary>A read of the gateway's own tables, for what no endpoint shows (the party index, recorded events).</summary>
    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(Environment.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.AddWithValue(p);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Machines.DisposeAsync();
        await Receiver.DisposeAsync();
        await Environment.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class EventsCollection : ICollectionFixture<EventsFixture>
{
    public const string Name = "events";
}
