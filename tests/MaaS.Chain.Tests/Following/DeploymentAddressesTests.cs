using MaaS.Chain.Following;
using Shouldly;

namespace MaaS.Chain.Tests.Following;

/// <summary>Contract addresses come from the file the deploy tool writes; no servers needed.</summary>
public sealed class DeploymentAddressesTests
{
    [Fact]
    public async Task DeploymentFile_NamesContracts_AsTheDeployToolWritesThem()
    {
        // The deploy tool's shape (MaaS.Chain.Deployment.ChainDeployment, camelCase), extra fields ignored.
        var path = await WriteTempAsync("""
            {
              "chainId": 31337, "operator": "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "deploymentBlock": 1, "complete": true,
              "contracts": [
                { "name": "Consortium", "address": "0x5FbDB2315678afecb367f032d93F642f64180aa3", "transactionHash": "0x01", "blockNumber": 1 },
                { "name": "MachineRegistry", "address": "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512", "transactionHash": "0x02", "blockNumber": 2 }
              ]
            }
            """);
        try
        {
            var options = new FollowerOptions { Name = "machines" };
            options.Contracts.Add("MachineRegistry");
            options.Contracts.Add("Consortium");

            await DeploymentAddresses.ApplyAsync(options, path, CancellationToken.None);

            options.Addresses.ShouldBe(["0xe7f1725e7734ce288f8367e1bb143e90bb3f0512", "0x5fbdb2315678afecb367f032d93f642f64180aa3"]);
            options.StartBlock.ShouldBe(1, "the earliest deployment block of the followed contracts");

            options.Contracts.Add("Invoicing");
            (await Should.ThrowAsync<InvalidOperationException>(() => DeploymentAddresses.ApplyAsync(options, path, CancellationToken.None)))
                .Message.ShouldContain("Invoicing");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task DeploymentFile_AlsoReadsAddressMaps()
    {
        var path = await WriteTempAsync("""
            { "contracts": { "Consortium": "0x5FbDB2315678afecb367f032d93F642f64180aa3", "Maintenance": { "address": "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0", "block": "0x4" } } }
            """);
        try
        {
            var deployed = await DeploymentAddresses.ReadAsync(path, ["maintenance", "Consortium"], CancellationToken.None);

            deployed.ShouldBe([
                new DeploymentAddresses.Deployed("maintenance", "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0", 4),
                new DeploymentAddresses.Deployed("Consortium", "0x5fbdb2315678afecb367f032d93f642f64180aa3", null),
            ]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<string> WriteTempAsync(string json)
    {
        var path = Path.Combine(Path.GetTempPath(), $"maas-deployment-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, json);
        return path;
    }
}
