using MaaS.Chain.Deployment;
using MaaS.Chain.Node;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Nethereum.Web3;

namespace MaaS.Chain.Contracts;

public static class ContractServiceCollectionExtensions
{
    /// <summary>
    /// The five contract bindings (<see cref="IConsortium"/>, <see cref="IMachineRegistry"/>, <see cref="IMaintenanceMarket"/>,
    /// <see cref="IInvoicingContract"/>, <see cref="ITelemetryAnchor"/>) at the addresses of the deployment file
    /// <c>Chain:DeploymentFile</c>, and that <see cref="ChainDeployment"/> itself. The file is read when a binding is
    /// first resolved, and refused when it is for a chain other than <c>Chain:ChainId</c>. Needs <see cref="IWeb3"/>
    /// (<see cref="ChainNodeExtensions.AddChainNode"/>, registered here when missing).
    /// </summary>
    public static IServiceCollection AddMaaSContracts(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (!services.Any(d => d.ServiceType == typeof(IWeb3))) services.AddChainNode(configuration);

        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ChainOptions>>().Value;
            if (string.IsNullOrWhiteSpace(options.DeploymentFile))
                throw new InvalidOperationException("Chain:DeploymentFile is not configured: the contract addresses come from the deployment file the deploy tool writes.");
            var deployment = ChainDeployment.Load(options.DeploymentFile);
            if (deployment.ChainId != options.ChainId)
                throw new InvalidOperationException($"The deployment file {options.DeploymentFile} is for chain {deployment.ChainId}, this service is configured for chain {options.ChainId}.");
            return deployment;
        });
        services.TryAddSingleton<IConsortium>(sp => new ConsortiumContract(AddressOf(sp, "Consortium"), sp.GetRequiredService<IWeb3>()));
        services.TryAddSingleton<IMachineRegistry>(sp => new MachineRegistryContract(AddressOf(sp, "MachineRegistry"), sp.GetRequiredService<IWeb3>()));
        services.TryAddSingleton<IMaintenanceMarket>(sp => new MaintenanceMarketContract(AddressOf(sp, "Maintenance"), sp.GetRequiredService<IWeb3>()));
        services.TryAddSingleton<IInvoicingContract>(sp => new InvoicingContract(AddressOf(sp, "Invoicing"), sp.GetRequiredService<IWeb3>()));
        services.TryAddSingleton<ITelemetryAnchor>(sp => new TelemetryAnchorContract(AddressOf(sp, "TelemetryAnchor"), sp.GetRequiredService<IWeb3>()));
        return services;
    }

    private static string AddressOf(IServiceProvider services, string contract) => services.GetRequiredService<ChainDeployment>()[contract].Address;
}
