using JasperFx;
using MaaS.Chain.Following;
using MaaS.ServiceDefaults.Chain;
using MaaS.Testing;
using Marten;
using Nethereum.Web3;
using Weasel.Core;

namespace MaaS.Chain.Tests.Following;

/// <summary>A PostgreSQL database of the test class's own (on the shared test server); every test builds stores on it.</summary>
public sealed class FollowerDatabase : IAsyncLifetime
{
    public IsolatedEnvironment Environment { get; private set; } = null!;

    public async Task InitializeAsync() => Environment = await IsolatedEnvironment.CreateAsync("follower");

    public async Task DisposeAsync() => await Environment.DisposeAsync();

    /// <summary>A store as a service configures it; a second store on the same schema is what a restarted process gets.</summary>
    public DocumentStore NewStore(string schema) => DocumentStore.For(options =>
    {
        options.Connection(Environment.Postgres);
        options.DatabaseSchemaName = schema;
        options.Events.DatabaseSchemaName = schema;
        options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);
        options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        options.AddChainFollowerDocuments();
    });

    internal static ChainFollower Follower(IWeb3 web3, IChainFollowerSink sink, string name, Action<FollowerOptions>? configure, params string[] addresses)
    {
        var options = new FollowerOptions { Name = name };
        foreach (var address in addresses) options.Addresses.Add(address);
        configure?.Invoke(options);
        return new ChainFollower(web3, sink, options);
    }
}
