using MaaS.Chain.Following;
using MaaS.Chain.Node;
using MaaS.ServiceDefaults.Signals;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nethereum.Web3;

namespace MaaS.ServiceDefaults.Chain;

public static class ChainFollowerExtensions
{
    /// <summary>Configuration section of one follower: <c>Chain:Followers:&lt;name&gt;</c> (Addresses, StartBlock, Confirmations, …).</summary>
    public const string FollowersSection = "Chain:Followers";

    /// <summary>
    /// Runs a chain follower in this service, applying logs through the registered <see cref="IChainLogHandler"/>s to the
    /// service's Marten store (call <c>AddEventStore</c> too). Values come from, in increasing precedence: defaults,
    /// <c>Chain:Confirmations</c>, <paramref name="configure"/>, then <c>Chain:Followers:&lt;name&gt;</c>. Contracts named in
    /// <see cref="FollowerOptions.Contracts"/> are looked up in <c>Chain:DeploymentFile</c> when the follower starts.
    /// </summary>
    public static WebApplicationBuilder AddChainFollower(this WebApplicationBuilder builder, Action<FollowerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new FollowerOptions
        {
            Confirmations = builder.Configuration.GetValue<int?>($"{ChainOptions.Section}:{nameof(ChainOptions.Confirmations)}") ?? 0,
        };
        configure(options);
        if (string.IsNullOrWhiteSpace(options.Name)) throw new InvalidOperationException("AddChainFollower: FollowerOptions.Name is required.");
        builder.Configuration.GetSection($"{FollowersSection}:{options.Name}").Bind(options);
        if (options.Contracts.Count == 0) options.Validate();
        var contentRoot = builder.Environment.ContentRootPath;

        if (!builder.Services.Any(d => d.ServiceType == typeof(ChainFollowingRegistered)))
        {
            builder.Services.AddSingleton<ChainFollowingRegistered>();
            builder.Services.AddSingleton<ChainFactsCommitted>();
            builder.Services.ConfigureMarten(store => store.AddChainFollowerDocuments());
        }
        builder.Services.AddSingleton<IHostedService>(sp => new ChainFollowerService(
            options,
            ct => StartAsync(sp, options, contentRoot, ct),
            sp.GetRequiredService<ILogger<ChainFollowerService>>()));
        return builder;
    }

    /// <summary>Registers a handler for the logs of every follower of this service (a singleton: handlers keep no state between calls).</summary>
    public static IServiceCollection AddChainLogHandler<THandler>(this IServiceCollection services) where THandler : class, IChainLogHandler
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChainLogHandler, THandler>());
        return services;
    }

    /// <summary>The follower's documents: checkpoints (revisioned) and unfinalized logs (indexed by follower).</summary>
    public static StoreOptions AddChainFollowerDocuments(this StoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Schema.For<ChainFollowerCheckpoint>().UseNumericRevisions(true);
        options.Schema.For<UnfinalizedChainLog>().Index(x => x.Follower);
        return options;
    }

    private static async Task<ChainFollower> StartAsync(IServiceProvider services, FollowerOptions template, string contentRoot, CancellationToken cancellationToken)
    {
        var options = Copy(template);
        var deploymentFile = services.GetRequiredService<IOptions<ChainOptions>>().Value.DeploymentFile;
        if (deploymentFile is not null && !Path.IsPathRooted(deploymentFile)) deploymentFile = Path.Combine(contentRoot, deploymentFile);
        await DeploymentAddresses.ApplyAsync(options, deploymentFile, cancellationToken);
        var sink = new MartenChainFollowerSink(
            services.GetRequiredService<IDocumentStore>(),
            options.Name,
            services.GetServices<IChainLogHandler>(),
            services.GetService<TimeProvider>(),
            services.GetRequiredService<ILogger<MartenChainFollowerSink>>(),
            services.GetRequiredService<ChainFactsCommitted>());
        var follower = new ChainFollower(services.GetRequiredService<IWeb3>(), sink, options, services.GetRequiredService<ILogger<ChainFollower>>());
        services.GetRequiredService<ILogger<ChainFollowerService>>().LogInformation(
            "Follower {Follower} follows {Addresses} from block {StartBlock} with {Confirmations} confirmations",
            options.Name, string.Join(", ", options.Addresses), options.StartBlock, options.Confirmations);
        return follower;
    }

    private static FollowerOptions Copy(FollowerOptions source)
    {
        var copy = new FollowerOptions
        {
            Name = source.Name,
            StartBlock = source.StartBlock,
            Confirmations = source.Confirmations,
            PollInterval = source.PollInterval,
            MaxBlockRange = source.MaxBlockRange,
            RecentBlockHashes = source.RecentBlockHashes,
            MaxBackoff = source.MaxBackoff,
        };
        foreach (var address in source.Addresses) copy.Addresses.Add(address);
        foreach (var contract in source.Contracts) copy.Contracts.Add(contract);
        return copy;
    }

    /// <summary>Marks that the follower's documents are configured, so that several followers configure them once.</summary>
    private sealed class ChainFollowingRegistered;
}
