using MaaS.Chain.Contracts;
using MaaS.Chain.Deployment;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace MaaS.Chain.Tests.Deployment;

public sealed class AddMaaSContractsTests : IAsyncLifetime
{
    private readonly string file = Path.Combine(Path.GetTempPath(), $"maas-deployment-{Guid.NewGuid():N}.json");

    private static readonly ChainDeployment Deployment = new(31337, "0x00000000000000000000000000000000000000aa", 3, true,
    [
        Contract("Consortium", "0x1000000000000000000000000000000000000001"),
        Contract("MachineRegistry", "0x1000000000000000000000000000000000000002"),
        Contract("Invoicing", "0x1000000000000000000000000000000000000003"),
        Contract("Maintenance", "0x1000000000000000000000000000000000000004"),
        Contract("TelemetryAnchor", "0x1000000000000000000000000000000000000005"),
    ]);

    public Task InitializeAsync() => Deployment.SaveAsync(file);

    public Task DisposeAsync()
    {
        File.Delete(file);
        return Task.CompletedTask;
    }

    [Fact]
    public void AddMaaSContracts_BindsEachInterfaceToItsAddressInTheDeploymentFile()
    {
        using var services = Build(31337);

        services.GetRequiredService<IConsortium>().Address.ShouldBe("0x1000000000000000000000000000000000000001");
        services.GetRequiredService<IMachineRegistry>().Address.ShouldBe("0x1000000000000000000000000000000000000002");
        services.GetRequiredService<IInvoicingContract>().Address.ShouldBe("0x1000000000000000000000000000000000000003");
        services.GetRequiredService<IMaintenanceMarket>().Address.ShouldBe("0x1000000000000000000000000000000000000004");
        services.GetRequiredService<ITelemetryAnchor>().Address.ShouldBe("0x1000000000000000000000000000000000000005");
        services.GetRequiredService<ChainDeployment>().Operator.ShouldBe(Deployment.Operator);
    }

    [Fact]
    public void AddMaaSContracts_RefusesADeploymentFileOfAnotherChain()
    {
        using var services = Build(1337);

        Should.Throw<InvalidOperationException>(() => services.GetRequiredService<IMachineRegistry>()).Message.ShouldContain("is for chain 31337");
    }

    private ServiceProvider Build(long chainId)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Chain:RpcUrl"] = "http://127.0.0.1:1",
            ["Chain:ChainId"] = chainId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Chain:DeploymentFile"] = file,
        }).Build();
        return new ServiceCollection().AddMaaSContracts(configuration).BuildServiceProvider();
    }

    private static DeployedContract Contract(string name, string address) =>
        new(name, address, "0x" + new string('1', 64), 3, 1_000_000, "QmTNXMRNGb5wKs79ToieDRMcebzrPXgTDG2qZR7H6h3vJM", "0x" + new string('2', 64), "0x" + new string('3', 64));
}
