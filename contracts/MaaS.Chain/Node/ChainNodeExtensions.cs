using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Nethereum.Web3;

namespace MaaS.Chain.Node;

public static class ChainNodeExtensions
{
    /// <summary>Registers the read-only connection to the EVM node. Signing accounts are added per member elsewhere.</summary>
    public static IServiceCollection AddChainNode(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ChainOptions>().Bind(configuration.GetSection(ChainOptions.Section)).ValidateOnStart();
        services.AddSingleton<IWeb3>(sp => new Web3(sp.GetRequiredService<IOptions<ChainOptions>>().Value.RpcUrl.ToString()));
        return services;
    }
}
