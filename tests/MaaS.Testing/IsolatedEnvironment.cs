using System.Net.Http.Headers;
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

    public static async Task<IsolatedEnvironment> CreateAsync(string purpose)
    {
        var servers = await TestServers.AcquireAsync();
        var slug = new string(purpose.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(24).ToArray());
        var environment = new IsolatedEnvironment(servers, $"t_{slug}_{Guid.NewGuid():N}"[..Math.Min(48, slug.Length + 34)]);
        await environment.CreateDatabaseAsync();
        await environment.CreateVirtualHostAsync();
        return environment;
    }

    /// <summary>The configuration a service host needs to run in this environment.</summary>
    public Dictionary<string, string?> ServiceSettings() => new()
    {
        ["ConnectionStrings:Postgres"] = Postgres,
        ["ConnectionStrings:RabbitMq"] = RabbitMq.ToString(),
        ["Chain:RpcUrl"] = RpcUrl.ToString(),
        ["Chain:ChainId"] = TestServers.ChainId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Logging:LogLevel:Default"] = "Warning",
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
        }
        catch (Exception ex) when (ex is HttpRequestException or Npgsql.NpgsqlException or TaskCanceledException)
        {
            // Leave it for the thrown-away cluster; a failed cleanup must not fail a passing test.
        }
    }
}
