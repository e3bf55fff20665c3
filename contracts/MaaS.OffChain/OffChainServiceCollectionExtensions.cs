using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MaaS.OffChain;

public static class OffChainServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IOffChainStore"/> (a singleton) from a configuration section shaped like
    /// <see cref="OffChainStoreOptions"/>, e.g. <c>{"Kind":"embedded","DataDirectory":"/var/lib/maas/offchain"}</c>
    /// or <c>{"Kind":"kubo","KuboApiUrl":"http://127.0.0.1:5001/"}</c>. The options are validated at start-up.
    /// </summary>
    public static IServiceCollection AddOffChainStore(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);

        services.AddOptions<OffChainStoreOptions>()
            .Bind(section)
            .Validate(
                o => IsKind(o, OffChainStoreOptions.EmbeddedKind) || IsKind(o, OffChainStoreOptions.KuboKind),
                $"OffChain:Kind must be '{OffChainStoreOptions.EmbeddedKind}' or '{OffChainStoreOptions.KuboKind}'.")
            .Validate(
                o => !IsKind(o, OffChainStoreOptions.EmbeddedKind) || !string.IsNullOrWhiteSpace(o.DataDirectory),
                "OffChain:DataDirectory is required for the embedded store.")
            .Validate(
                o => !IsKind(o, OffChainStoreOptions.KuboKind) || o.KuboApiUrl is { IsAbsoluteUri: true },
                "OffChain:KuboApiUrl (an absolute URL such as http://127.0.0.1:5001/) is required for the kubo store.")
            .Validate(o => o.KuboTimeout > TimeSpan.Zero, "OffChain:KuboTimeout must be positive.")
            .ValidateOnStart();

        services.AddHttpClient(KuboOffChainStore.HttpClientName, (provider, client) =>
        {
            var options = provider.GetRequiredService<IOptions<OffChainStoreOptions>>().Value;
            if (options.KuboApiUrl is { } url)
                client.BaseAddress = url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
            client.Timeout = options.KuboTimeout;
        });

        services.TryAddSingleton<IOffChainStore>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<OffChainStoreOptions>>().Value;
            return IsKind(options, OffChainStoreOptions.KuboKind)
                ? new KuboOffChainStore(provider.GetRequiredService<IHttpClientFactory>())
                : new EmbeddedOffChainStore(options.DataDirectory);
        });

        return services;
    }

    private static bool IsKind(OffChainStoreOptions options, string kind) =>
        string.Equals(options.Kind?.Trim(), kind, StringComparison.OrdinalIgnoreCase);
}
