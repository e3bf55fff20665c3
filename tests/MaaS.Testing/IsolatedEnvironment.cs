using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using MaaS.Chain.Deployment;
using MaaS.OffChain;
using MaaS.ServiceDefaults.Identity;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Hex.HexTypes;
using Nethereum.Signer;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;
using System.Text;
using Npgsql;

namespace MaaS.Testing;

/// <summary>
/// A database and a RabbitMQ virtual host of their own for one test class or assembly, on the shared real servers,
/// so that test projects running in parallel never see each other's queues or projections. The chain is shared;
/// tests isolate on it by fresh ids.
/// </summary>
public sealed class IsolatedEnvironment : IAsyncDisposable
{
    private IsolatedEnvironment(TestServers servers, string name)
    {
        Servers = servers;
        Name = name;
    }

    public TestServers Servers { get; }

    /// <summary>The database name and the virtual host name.</summary>
    public string Name { get; }

    public string Postgres => new NpgsqlConnectionStringBuilder(Servers.Postgres) { Database = Name, MaxPoolSize = 30 }.ConnectionString;

    public Uri RabbitMq => new UriBuilder(Servers.RabbitMq) { Path = "/" + Name }.Uri;

    public Uri RpcUrl => Servers.RpcUrl;

    /// <summary>The key the gateway and the services of this environment share to sign and verify caller identities.</summary>
    public IdentityOptions Identity { get; } = new() { SigningKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };

    /// <summary>Mints identities the way the gateway does, for tests that call a service directly.</summary>
    public IdentityTokens Tokens => new(Identity, TimeProvider.System);

    /// <summary>An HTTP client for <paramref name="address"/> that presents <paramref name="member"/> on every request.</summary>
    public HttpClient ClientFor(Uri address, MemberIdentity? member) =>
        new(member is null ? new HttpClientHandler() : new IdentityHandler(Tokens, member)) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Where this environment keeps its files: the off-chain store and the deployment file.</summary>
    public string Directory => Path.Combine(Path.GetTempPath(), "maas-tests", Name);

    /// <summary>Contracts of this environment's own, deployed by its own operator (null until deployed).</summary>
    public ChainDeployment? Deployment { get; private set; }

    public string DeploymentFile => Path.Combine(Directory, "deployment.json");

    public string OffChainDirectory => Path.Combine(Directory, "offchain");

    /// <summary>The consortium operator of this environment: a fresh, funded key, so nothing it sends meets another test's nonces.</summary>
    public EthECKey Operator { get; } = EthECKey.GenerateKey();

    /// <summary>The operator's API key, which the Machines service of this environment seeds.</summary>
    public string OperatorApiKey { get; } = "maas_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public string KeyEncryptionKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <param name="deploy">Deploy a fresh set of contracts for this environment (everything but the most basic tests needs them).</param>
    public static async Task<IsolatedEnvironment> CreateAsync(string purpose, bool deploy = true)
    {
        var servers = await TestServers.AcquireAsync();
        var slug = new string(purpose.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(24).ToArray());
        var environment = new IsolatedEnvironment(servers, $"t_{slug}_{Guid.NewGuid():N}"[..Math.Min(48, slug.Length + 34)]);
        await environment.CreateDatabaseAsync();
        await environment.CreateVirtualHostAsync();
        System.IO.Directory.CreateDirectory(environment.OffChainDirectory);
        if (deploy) await environment.DeployAsync();
        return environment;
    }

    /// <summary>A key with plenty of ether on the test chain.</summary>
    public async Task FundAsync(string address, int ether = 1_000_000)
    {
        var wei = System.Numerics.BigInteger.Pow(10, 18) * ether;
        await new Web3(RpcUrl.ToString()).Client.SendRequestAsync<object>("anvil_setBalance", null, address, new HexBigInteger(wei).HexValue);
    }

    private async Task DeployAsync()
    {
        await FundAsync(Operator.GetPublicAddress());
        var web3 = new Web3(new Account(Operator, TestServers.ChainId), RpcUrl.ToString());
        var deployer = new ContractDeployer(web3, new OffChainSourceStore(new EmbeddedOffChainStore(OffChainDirectory)));
        var standardInput = await File.ReadAllBytesAsync(Path.Combine(Repository.Root, "contracts/solidity/artifacts/standard-input.json"));
        Deployment = await deployer.DeployAsync(standardInput, new DeploymentOptions
        {
            FaucetWei = System.Numerics.BigInteger.Pow(10, 21),
            GasAllowanceWei = System.Numerics.BigInteger.Pow(10, 19),
        });
        await Deployment.SaveAsync(DeploymentFile);
    }

    /// <summary>The configuration a service host needs to run in this environment.</summary>
    public Dictionary<string, string?> ServiceSettings() => new()
    {
        ["ConnectionStrings:Postgres"] = Postgres,
        ["ConnectionStrings:RabbitMq"] = RabbitMq.ToString(),
        ["Chain:RpcUrl"] = RpcUrl.ToString(),
        ["Chain:ChainId"] = TestServers.ChainId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Logging:LogLevel:Default"] = "Warning",
        ["Identity:SigningKey"] = Identity.SigningKey,
        ["Chain:DeploymentFile"] = Deployment is null ? null : DeploymentFile,
        ["Chain:KeyEncryptionKey"] = KeyEncryptionKey,
        ["Chain:Transactions:PollInterval"] = "00:00:00.100",
        ["Consortium:OperatorPrivateKey"] = Deployment is null ? null : Operator.GetPrivateKeyAsBytes().ToHex(true),
        ["Consortium:OperatorApiKey"] = OperatorApiKey,
        ["OffChain:Kind"] = "embedded",
        ["OffChain:DataDirectory"] = OffChainDirectory,
    };

    private async Task CreateDatabaseAsync()
    {
        await using var connection = new NpgsqlConnection(Servers.Postgres);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{Name}\"", connection);
        await create.ExecuteNonQueryAsync();
    }

    private HttpClient Management()
    {
        var uri = Servers.RabbitMqManagement;
        var client = new HttpClient { BaseAddress = new Uri(uri.GetLeftPart(UriPartial.Authority) + "/") };
        var credentials = string.IsNullOrEmpty(uri.UserInfo) ? "guest:guest" : Uri.UnescapeDataString(uri.UserInfo);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        return client;
    }

    private async Task CreateVirtualHostAsync()
    {
        using var client = Management();
        using var vhost = await client.PutAsync($"api/vhosts/{Name}", new StringContent("{}", Encoding.UTF8, "application/json"));
        vhost.EnsureSuccessStatusCode();
        var user = Uri.UnescapeDataString(Servers.RabbitMq.UserInfo.Split(':')[0] is { Length: > 0 } u ? u : "guest");
        using var permissions = await client.PutAsync($"api/permissions/{Name}/{user}",
            new StringContent("""{"configure":".*","write":".*","read":".*"}""", Encoding.UTF8, "application/json"));
        permissions.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// Stops RabbitMQ routing what is published to exchange <paramref name="source"/> (a message type's exchange, e.g.
    /// <c>MaaS.Contracts.Anchoring:TelemetryBatchAnchored</c>) to exchange <paramref name="destination"/> (a receive endpoint's,
    /// e.g. <c>invoicing-telemetry-batch-anchored</c>) until the result is disposed: what is published meanwhile never
    /// reaches that endpoint, as if the message had been delayed beyond the moment a test is about. The broker's own
    /// topology is changed, nothing in the service.
    /// </summary>
    public async Task<IAsyncDisposable> UnbindAsync(string source, string destination)
    {
        using var client = Management();
        var bindings = $"api/bindings/{Uri.EscapeDataString(Name)}/e/{Uri.EscapeDataString(source)}/e/{Uri.EscapeDataString(destination)}";
        var existing = await client.GetFromJsonAsync<List<BindingInfo>>(bindings) ?? [];
        if (existing.Count == 0) throw new InvalidOperationException($"No binding from exchange {source} to {destination} in virtual host {Name}.");
        foreach (var binding in existing)
        {
            using var deleted = await client.DeleteAsync($"{bindings}/{Uri.EscapeDataString(binding.PropertiesKey)}");
            deleted.EnsureSuccessStatusCode();
        }
        return new Rebinding(this, bindings, existing);
    }

    private sealed record BindingInfo(
        [property: System.Text.Json.Serialization.JsonPropertyName("routing_key")] string RoutingKey,
        [property: System.Text.Json.Serialization.JsonPropertyName("properties_key")] string PropertiesKey,
        [property: System.Text.Json.Serialization.JsonPropertyName("arguments")] Dictionary<string, object?>? Arguments);

    private sealed class Rebinding(IsolatedEnvironment environment, string bindings, IReadOnlyList<BindingInfo> removed) : IAsyncDisposable
    {
        private bool restored;

        public async ValueTask DisposeAsync()
        {
            if (restored) return;
            restored = true;
            using var client = environment.Management();
            foreach (var binding in removed)
            {
                using var created = await client.PostAsJsonAsync(bindings, new { routing_key = binding.RoutingKey, arguments = binding.Arguments ?? [] });
                created.EnsureSuccessStatusCode();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Best effort: the test servers are thrown away after the run anyway.
        try
        {
            using var client = Management();
            using var _ = await client.DeleteAsync($"api/vhosts/{Name}");
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(Servers.Postgres);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
            if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (Exception ex) when (ex is HttpRequestException or Npgsql.NpgsqlException or TaskCanceledException or IOException)
        {
            // Leave it for the thrown-away cluster; a failed cleanup must not fail a passing test.
        }
    }
}
