using System.Text;
using System.Text.Json.Nodes;
using MaaS.Chain.Contracts;
using MaaS.Chain.Deployment;
using Shouldly;

namespace MaaS.Chain.Tests.Deployment;

[Trait("Category", "Integration")]
public sealed class ContractVerifierTests(DeploymentFixture fixture) : IClassFixture<DeploymentFixture>
{
    [Fact]
    public async Task Verify_FreshDeployment_RecompilesThePublishedSource_AndEveryContractMatches()
    {
        var (deployment, store, _, _, _) = await fixture.DeployAsync();

        var report = await Verifier(store).VerifyAsync(deployment);

        report.Problems.ShouldBeEmpty();
        report.Contracts.SelectMany(c => c.Problems).ShouldBeEmpty();
        report.Contracts.ShouldAllBe(c => c.SourceAvailable && c.CodeMatches == true && c.DirectoryMatches && c.WiringMatches);
        report.Verified.ShouldBeTrue();
    }

    [Fact]
    public async Task Verify_PerSourceManifest_Passes()
    {
        var (deployment, store, _, _, _) = await fixture.DeployAsync(new DeploymentOptions { MaxSourceObjectLength = 40_000 });

        var report = await Verifier(store).VerifyAsync(deployment);

        report.Contracts.SelectMany(c => c.Problems).ShouldBeEmpty();
        report.Verified.ShouldBeTrue();
    }

    [Fact]
    public async Task Verify_WhenAListedAddressHoldsOtherCode_Fails()
    {
        var (deployment, store, _, _, _) = await fixture.DeployAsync();
        var anchorCode = await fixture.Reader().Eth.GetCode.SendRequestAsync(deployment["TelemetryAnchor"].Address);
        await fixture.SetCodeAsync(deployment["Invoicing"].Address, anchorCode);

        var report = await Verifier(store).VerifyAsync(deployment);

        report.Verified.ShouldBeFalse();
        var invoicing = report.Contracts.Single(c => c.Name == "Invoicing");
        invoicing.CodeMatches.ShouldBe(false);
        invoicing.Problems.ShouldContain(p => p.Contains("runtime code is", StringComparison.Ordinal));
        report.Contracts.Where(c => c.Name != "Invoicing").ShouldAllBe(c => c.Verified);
    }

    [Fact]
    public async Task Verify_WhenTheDeploymentFileNamesAnotherAddress_Fails()
    {
        var (deployment, store, _, _, _) = await fixture.DeployAsync();
        var tampered = deployment.With(deployment["MachineRegistry"] with { Address = deployment["TelemetryAnchor"].Address });

        var report = await Verifier(store).VerifyAsync(tampered);

        report.Verified.ShouldBeFalse();
        var registry = report.Contracts.Single(c => c.Name == "MachineRegistry");
        registry.DirectoryMatches.ShouldBeFalse();
        registry.CodeMatches.ShouldBe(false);
        registry.Problems.ShouldContain($"the directory names {deployment["MachineRegistry"].Address}, the deployment file {deployment["TelemetryAnchor"].Address}");
    }

    [Fact]
    public async Task Verify_WhenThePublishedSourceIsTamperedInTheStore_FailsOnTheRehash()
    {
        var (deployment, store, _, _, _) = await fixture.DeployAsync();
        var path = store.PathOf(deployment["Consortium"].SourceCid);
        var block = await File.ReadAllBytesAsync(path);
        var at = Encoding.UTF8.GetString(block).IndexOf("pragma solidity", StringComparison.Ordinal);
        block[at] = (byte)'P';
        await File.WriteAllBytesAsync(path, block);

        var report = await Verifier(store).VerifyAsync(deployment);

        report.Verified.ShouldBeFalse();
        report.Contracts.ShouldAllBe(c => !c.SourceAvailable && c.CodeMatches == null && !c.Verified);
        report.Contracts[0].Problems.ShouldContain(p => p.Contains("hashes to", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verify_WhenTheDirectoryPointsToOtherSource_FailsOnTheRecompiledCode()
    {
        var (deployment, store, op, _, _) = await fixture.DeployAsync();
        var input = JsonNode.Parse(DeploymentFixture.StandardInput)!.AsObject();
        var registrySource = input["sources"]!["src/MachineRegistry.sol"]!.AsObject();
        registrySource["content"] = registrySource["content"]!.GetValue<string>() + "\n// a comment changes the metadata hash, hence the code\n";
        var other = await store.PutAsync(Encoding.UTF8.GetBytes(input.ToJsonString()));
        var consortium = new ConsortiumContract(deployment, fixture.Reader());
        var entry = (await consortium.PublishedContractAsync("MachineRegistry")).ShouldNotBeNull();
        await DeploymentFixture.SendAsync(op, consortium.PublishContract("republish", deployment.Operator, "MachineRegistry", entry.Address, other.Digest, entry.CompilerSettingsHash));
        var recorded = deployment.With(deployment["MachineRegistry"] with { SourceCid = other.Cid, SourceDigest = Bytes32.ToHex(other.Digest) });

        var report = await Verifier(store).VerifyAsync(recorded);

        var registry = report.Contracts.Single(c => c.Name == "MachineRegistry");
        registry.SourceAvailable.ShouldBeTrue();
        registry.DirectoryMatches.ShouldBeTrue();
        registry.SourceCid.ShouldBe(other.Cid);
        registry.CodeMatches.ShouldBe(false);
        registry.Problems.ShouldContain(p => p.Contains("differs from the compiled code at byte", StringComparison.Ordinal));
        report.Contracts.Where(c => c.Name != "MachineRegistry").ShouldAllBe(c => c.Verified);
    }

    private ContractVerifier Verifier(ISourceStore store) => new(fixture.Reader(), store, DeploymentFixture.Compiler);
}
