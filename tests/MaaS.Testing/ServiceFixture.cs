using Xunit;

namespace MaaS.Testing;

/// <summary>One service host on its own database and virtual host, shared by the tests of a class.</summary>
public abstract class ServiceFixture<TEntry> : IAsyncLifetime where TEntry : class
{
    public abstract string ServiceName { get; }

    public IsolatedEnvironment Environment { get; private set; } = null!;

    public ServiceHost<TEntry> Host { get; private set; } = null!;

    /// <summary>Presents the test operator (write scope) on every request.</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>Presents no identity.</summary>
    public HttpClient Anonymous { get; private set; } = null!;

    /// <summary>Another host of the same service in the same environment, with some settings changed.</summary>
    public ServiceHost<TEntry> CreateHost(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = Environment.ServiceSettings();
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;
        return new ServiceHost<TEntry>(settings);
    }

    public async Task InitializeAsync()
    {
        Environment = await IsolatedEnvironment.CreateAsync(ServiceName);
        Host = CreateHost();
        Client = Environment.ClientFor(Host.Address, TestMembers.Operator);
        Anonymous = Environment.ClientFor(Host.Address, null);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        Anonymous.Dispose();
        await Host.DisposeAsync();
        await Environment.DisposeAsync();
    }
}
