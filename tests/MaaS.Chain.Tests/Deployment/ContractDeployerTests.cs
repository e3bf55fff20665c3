using System.Numerics;
using System.Text.Json;
using MaaS.Chain.Artifacts;
using MaaS.Chain.Contracts;
using MaaS.Chain.Deployment;
using MaaS.Chain.Following;
using Nethereum.Hex.HexConvertors.Extensions;
using Shouldly;
using InvoicingAbi = MaaS.Chain.Contracts.Generated.Invoicing;
using MaintenanceAbi = MaaS.Chain.Contracts.Generated.Maintenance;
using TelemetryAnchorAbi = MaaS.Chain.Contracts.Generated.TelemetryAnchor;

namespace MaaS.Chain.Tests.Deployment;

[Trait("Category", "Integration")]
public sealed class ContractDeployerTests(DeploymentFixture fixture) : IClassFixture<DeploymentFixture>
{
    [Fact]
    public async Task Deploy_EveryContractHasItsCode_AndIsWired()
    {
        var (deployment, _, op, _, _) = await fixture.DeployAsync();
        var web3 = fixture.Reader();

        deployment.Complete.ShouldBeTrue();
        deployment.ChainId.ShouldBe(31337);
        deployment.Operator.ShouldBe(op.TransactionManager.Account.Address.ToLowerInvariant());
        deployment.Contracts.Select(c => c.Name).ShouldBe(ContractArtifact.ContractNames);
        deployment.DeploymentBlock.ShouldBe(deployment["Consortium"].BlockNumber);
        foreach (var contract in deployment.Contracts)
        {
            var code = await web3.Eth.GetCode.SendRequestAsync(contract.Address);
            RuntimeCode.ResemblesArtifact(ContractArtifact.Load(contract.Name).DeployedBytecode.HexToByteArray(), code.HexToByteArray())
                .ShouldBeTrue($"{contract.Name} at {contract.Address}");
            contract.GasUsed.ShouldBeGreaterThan(500_000);
        }

        var wiring = await new MachineRegistryContract(deployment, web3).WiringAsync();
        wiring.ShouldBe(new RegistryWiring(deployment["Consortium"].Address, deployment["Invoicing"].Address, deployment["Maintenance"].Address));
        (await Query<InvoicingAbi.RegistryFunction>(deployment["Invoicing"].Address)).ShouldBe(deployment["MachineRegistry"].Address);
        (await Query<MaintenanceAbi.RegistryFunction>(deployment["Maintenance"].Address)).ShouldBe(deployment["MachineRegistry"].Address);
        (await Query<MaintenanceAbi.ConsortiumFunction>(deployment["Maintenance"].Address)).ShouldBe(deployment["Consortium"].Address);
        (await Query<TelemetryAnchorAbi.ConsortiumFunction>(deployment["TelemetryAnchor"].Address)).ShouldBe(deployment["Consortium"].Address);
        (await new ConsortiumContract(deployment, web3).OperatorAsync()).ShouldBe(deployment.Operator);
    }

    [Fact]
    public async Task Deploy_DirectoryEntriesCarryTheCidOfTheSourceBundleInTheStore()
    {
        var (deployment, store, _, _, _) = await fixture.DeployAsync();
        var publication = ArtifactPublication.Load();
        var consortium = new ConsortiumContract(deployment, fixture.Reader());

        // The test store computes CIDs on its own; compile.mjs computed publication.json's: they agree.
        (await new DirectorySourceStore(Path.Combine(fixture.Scratch, "cid-check")).PutAsync(DeploymentFixture.StandardInput)).Cid.ShouldBe(publication.SourceCidV0);
        foreach (var contract in deployment.Contracts)
        {
            var entry = (await consortium.PublishedContractAsync(contract.Name)).ShouldNotBeNull(contract.Name);
            entry.Address.ShouldBe(contract.Address);
            entry.SourceCid.ShouldBe(publication.SourceDigest);
            entry.CompilerSettingsHash.ShouldBe(publication.CompilerSettingsHash);
            store.CidOf(entry.SourceCid).ShouldBe(publication.SourceCidV0);
            contract.SourceCid.ShouldBe(publication.SourceCidV0);
            contract.SourceDigest.ShouldBe(Bytes32.ToHex(publication.SourceDigest));
            (await store.GetAsync(contract.SourceCid)).ShouldBe(DeploymentFixture.StandardInput);
        }
    }

    [Fact]
    public async Task Deploy_FundsTheFaucet_AndSetsTheGasAllowance()
    {
        var faucet = BigInteger.Pow(10, 19);
        var allowance = BigInteger.Pow(10, 17);
        var (deployment, _, _, _, _) = await fixture.DeployAsync(new DeploymentOptions { FaucetWei = faucet, GasAllowanceWei = allowance });

        (await fixture.Reader().Eth.GetBalance.SendRequestAsync(deployment["Consortium"].Address)).Value.ShouldBe(faucet);
        (await new ConsortiumContract(deployment, fixture.Reader()).GasAllowanceAsync()).ShouldBe(allowance);
    }

    [Fact]
    public async Task Deploy_AgainWithItsOwnDeployment_SendsNothing()
    {
        var (deployment, store, op, _, _) = await fixture.DeployAsync(new DeploymentOptions { FaucetWei = 1_000, GasAllowanceWei = 500 });
        var nonce = await fixture.NonceAsync(deployment.Operator);
        var steps = new List<DeploymentStep>();

        var again = await new ContractDeployer(op, store, new Progress(steps)).DeployAsync(DeploymentFixture.StandardInput,
            new DeploymentOptions { FaucetWei = 1_000, GasAllowanceWei = 500 }, deployment);

        (await fixture.NonceAsync(deployment.Operator)).ShouldBe(nonce);
        Json(again).ShouldBe(Json(deployment));
        steps.Where(s => s.Action != "publish source").ShouldAllBe(s => s.Skipped);
        steps.Count(s => s.Skipped).ShouldBe(5 + 1 + 5 + 2);
    }

    [Fact]
    public async Task Deploy_InterruptedAfterTwoContracts_ResumesFromItsCheckpoint()
    {
        var (op, address, _) = await fixture.FundedAccountAsync();
        var store = new DirectorySourceStore(Path.Combine(fixture.Scratch, $"resume-{Guid.NewGuid():N}"));
        ChainDeployment? saved = null;
        var deployer = new ContractDeployer(op, store);

        await Should.ThrowAsync<IOException>(() => deployer.DeployAsync(DeploymentFixture.StandardInput, new DeploymentOptions(), checkpoint: (d, _) =>
        {
            saved = d;
            return d.Contracts.Count == 2 ? throw new IOException("disk full") : Task.CompletedTask;
        }));
        saved.ShouldNotBeNull().Contracts.Select(c => c.Name).ShouldBe(["Consortium", "MachineRegistry"]);
        saved.Complete.ShouldBeFalse();
        (await fixture.NonceAsync(address)).ShouldBe(2);

        var resumed = await deployer.DeployAsync(DeploymentFixture.StandardInput, new DeploymentOptions(), saved);

        resumed.Complete.ShouldBeTrue();
        resumed["Consortium"].ShouldBe(saved["Consortium"]);
        resumed["MachineRegistry"].ShouldBe(saved["MachineRegistry"]);
        (await fixture.NonceAsync(address)).ShouldBe(2 + 3 + 1 + 5); // three more contracts, setModules, five publications
        (await ContractDeployer.IsLiveAsync(fixture.Reader(), resumed)).Live.ShouldBeTrue();
    }

    [Fact]
    public async Task IsLive_WhenTheChainLostAContract_IsFalse_AndTheDeployerRedeploysIt()
    {
        var (deployment, store, op, _, _) = await fixture.DeployAsync();
        (await ContractDeployer.IsLiveAsync(fixture.Reader(), deployment)).ShouldBe((true, "5 contracts with code on chain 31337"));
        (await ContractDeployer.IsLiveAsync(fixture.Reader(), deployment with { ChainId = 1 })).Live.ShouldBeFalse();

        await fixture.SetCodeAsync(deployment["TelemetryAnchor"].Address, "0x");
        var (live, reason) = await ContractDeployer.IsLiveAsync(fixture.Reader(), deployment);
        live.ShouldBeFalse();
        reason.ShouldContain("TelemetryAnchor has no code");

        var repaired = await new ContractDeployer(op, store).DeployAsync(DeploymentFixture.StandardInput, new DeploymentOptions(), deployment);
        repaired["TelemetryAnchor"].Address.ShouldNotBe(deployment["TelemetryAnchor"].Address);
        repaired["MachineRegistry"].ShouldBe(deployment["MachineRegistry"]);
        (await new ConsortiumContract(repaired, fixture.Reader()).PublishedContractAsync("TelemetryAnchor")).ShouldNotBeNull().Address
            .ShouldBe(repaired["TelemetryAnchor"].Address);
    }

    [Fact]
    public async Task Deploy_WithASmallObjectLimit_PublishesEachSourceAndAManifestThatReassemblesTheInput()
    {
        var (deployment, store, _, _, _) = await fixture.DeployAsync(new DeploymentOptions { MaxSourceObjectLength = 40_000 });

        var cid = deployment["MachineRegistry"].SourceCid;
        cid.ShouldNotBe(ArtifactPublication.Load().SourceCidV0);
        var manifest = JsonDocument.Parse(await store.GetAsync(cid));
        var sources = manifest.RootElement.GetProperty("sources").EnumerateObject().ToList();
        sources.Select(s => s.Name).ShouldBe(["src/Consortium.sol", "src/Invoicing.sol", "src/MachineRegistry.sol", "src/Maintenance.sol", "src/TelemetryAnchor.sol"]);
        sources.ShouldAllBe(s => s.Value.GetProperty("urls")[0].GetString()!.StartsWith("dweb:/ipfs/Qm", StringComparison.Ordinal));
        Directory.GetFiles(store.Directory).Length.ShouldBe(6);

        var original = JsonDocument.Parse(DeploymentFixture.StandardInput).RootElement;
        var reassembled = JsonDocument.Parse(await SourcePublication.FetchAsync(store, cid)).RootElement;
        foreach (var source in original.GetProperty("sources").EnumerateObject())
            reassembled.GetProperty("sources").GetProperty(source.Name).GetProperty("content").GetString().ShouldBe(source.Value.GetProperty("content").GetString());
        JsonElement.DeepEquals(reassembled.GetProperty("settings"), original.GetProperty("settings")).ShouldBeTrue();
        reassembled.GetProperty("language").GetString().ShouldBe("Solidity");
    }

    [Fact]
    public async Task DeploymentFile_IsSavedAtomically_LoadsBack_AndTheFollowerFindsTheContracts()
    {
        var (deployment, _, _, file, _) = await fixture.DeployAsync();

        Json(await ChainDeployment.LoadAsync(file)).ShouldBe(Json(deployment));
        Directory.GetFiles(Path.GetDirectoryName(file)!, $".{Path.GetFileName(file)}*.tmp").ShouldBeEmpty();

        var found = await DeploymentAddresses.ReadAsync(file, ContractArtifact.ContractNames, CancellationToken.None);
        found.Select(f => (f.Name, f.Address, f.Block)).ShouldBe(deployment.Contracts.Select(c => (c.Name, c.Address, (long?)c.BlockNumber)));
    }

    private static string Json(ChainDeployment deployment) => JsonSerializer.Serialize(deployment, ChainDeployment.JsonOptions);

    private async Task<string> Query<TFunction>(string address)
        where TFunction : Nethereum.Contracts.FunctionMessage, new() =>
        (await fixture.Reader().Eth.GetContractQueryHandler<TFunction>().QueryAsync<string>(address, new TFunction())).ToLowerInvariant();

    private sealed class Progress(List<DeploymentStep> steps) : IProgress<DeploymentStep>
    {
        public void Report(DeploymentStep value) => steps.Add(value);
    }
}
