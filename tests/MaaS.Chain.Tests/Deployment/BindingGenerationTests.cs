using System.Reflection;
using System.Text.Json;
using MaaS.Chain.Artifacts;
using MaaS.Chain.Contracts;
using MaaS.Testing;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Shouldly;

namespace MaaS.Chain.Tests.Deployment;

public sealed class BindingGenerationTests : IDisposable
{
    private static readonly string Committed = Path.Combine(Repository.Root, "contracts", "MaaS.Chain", "Contracts", "Generated");
    private readonly string scratch = Path.Combine(Path.GetTempPath(), $"maas-bindings-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
    }

    [Fact]
    public async Task GenBindingsCheck_CommittedFilesEqualAFreshGeneration()
    {
        var (exitCode, output) = await NodeScript.RunAsync("gen-bindings.mjs", "--check");

        exitCode.ShouldBe(0, output);
        output.ShouldContain("5 binding files match");
    }

    [Fact]
    public async Task GenBindings_TwoRunsWriteTheSameBytes_AsTheCommittedFiles()
    {
        var first = Path.Combine(scratch, "first");
        var second = Path.Combine(scratch, "second");
        (await NodeScript.RunAsync("gen-bindings.mjs", "--out", first)).ExitCode.ShouldBe(0);
        (await NodeScript.RunAsync("gen-bindings.mjs", "--out", second)).ExitCode.ShouldBe(0);

        var names = Directory.GetFiles(first).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        names.ShouldBe(ContractArtifact.ContractNames.Select(n => $"{n}.g.cs").Order(StringComparer.Ordinal));
        foreach (var name in names)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(first, name!));
            (await File.ReadAllBytesAsync(Path.Combine(second, name!))).ShouldBe(bytes, name);
            (await File.ReadAllBytesAsync(Path.Combine(Committed, name!))).ShouldBe(bytes, name);
        }
    }

    [Fact]
    public async Task GenBindingsCheck_WhenAFileWasEditedOrAdded_Fails()
    {
        var dir = Path.Combine(scratch, "edited");
        (await NodeScript.RunAsync("gen-bindings.mjs", "--out", dir)).ExitCode.ShouldBe(0);
        await File.AppendAllTextAsync(Path.Combine(dir, "Invoicing.g.cs"), "// hand edit\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "Stale.g.cs"), "");

        var (exitCode, output) = await NodeScript.RunAsync("gen-bindings.mjs", "--check", "--out", dir);

        exitCode.ShouldBe(1);
        output.ShouldContain("Invoicing.g.cs");
        output.ShouldContain("Stale.g.cs (not produced by the generator)");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task CompileCheck_TheCommittedArtifactsAreReproducible()
    {
        var (exitCode, output) = await NodeScript.RunAsync("compile.mjs", "--check");

        exitCode.ShouldBe(0, output);
        output.ShouldContain("artifacts match a fresh compilation");
    }

    public static TheoryData<string> Contracts => [.. ContractArtifact.ContractNames];

    [Theory]
    [MemberData(nameof(Contracts))]
    public void GeneratedTypes_HaveTheSelectorsAndTopicsOfTheArtifactAbi(string contract)
    {
        var abi = ContractArtifact.Load(contract).Abi;
        var types = typeof(Bytes32).Assembly.GetTypes().Where(t => t.Namespace == $"MaaS.Chain.Contracts.Generated.{contract}").ToList();

        var functions = types.Where(t => t.GetCustomAttribute<FunctionAttribute>() is not null)
            .ToDictionary(t => t.GetCustomAttribute<FunctionAttribute>()!.Name, t => ABITypedRegistry.GetFunctionABI(t).Sha3Signature);
        functions.ShouldBe(abi.Functions.ToDictionary(f => f.Name, f => f.Sha3Signature), ignoreOrder: true);

        var events = types.Where(t => t.GetCustomAttribute<EventAttribute>() is not null)
            .ToDictionary(t => t.GetCustomAttribute<EventAttribute>()!.Name, t => ABITypedRegistry.GetEvent(t).Sha3Signature);
        events.ShouldBe(abi.Events.ToDictionary(e => e.Name, e => e.Sha3Signature), ignoreOrder: true);

        var errors = types.Where(t => t.GetCustomAttribute<ErrorAttribute>() is not null)
            .ToDictionary(t => t.GetCustomAttribute<ErrorAttribute>()!.Name, t => ABITypedRegistry.GetError(t).Sha3Signature);
        errors.ShouldBe(abi.Errors.ToDictionary(e => e.Name, e => e.Sha3Signature), ignoreOrder: true);
    }

    [Fact]
    public void GeneratedEvents_MarkTheIndexedParametersOfTheAbi()
    {
        foreach (var contract in ContractArtifact.ContractNames)
        {
            using var artifact = JsonDocument.Parse(ContractArtifact.Load(contract).AbiJson);
            foreach (var e in artifact.RootElement.EnumerateArray().Where(e => e.GetProperty("type").GetString() == "event"))
            {
                var type = typeof(Bytes32).Assembly.GetType($"MaaS.Chain.Contracts.Generated.{contract}.{e.GetProperty("name").GetString()}EventDTO").ShouldNotBeNull();
                var indexed = type.GetProperties().Select(p => p.GetCustomAttribute<ParameterAttribute>()!).OrderBy(p => p.Order).Select(p => p.Parameter.Indexed);
                indexed.ShouldBe(e.GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("indexed").GetBoolean()), $"{contract}.{type.Name}");
            }
        }
    }
}
