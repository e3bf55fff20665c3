using System.Collections.Concurrent;
using System.Text.Json;
using Nethereum.ABI.ABIDeserialisation;
using Nethereum.ABI.Model;

namespace MaaS.Chain.Artifacts;

/// <summary>One compiled contract as <c>contracts/solidity/compile.mjs</c> writes it (embedded in this assembly).</summary>
public sealed record ContractArtifact(string Name, string AbiJson, string Bytecode, string DeployedBytecode)
{
    private static readonly ConcurrentDictionary<string, ContractArtifact> Cache = new();

    public ContractABI Abi => field ??= new ABIJsonDeserialiser().DeserialiseContract(AbiJson);

    /// <summary>The names of the five business contracts, in deployment order.</summary>
    public static readonly IReadOnlyList<string> ContractNames = ["Consortium", "MachineRegistry", "Invoicing", "Maintenance", "TelemetryAnchor"];

    public static ContractArtifact Load(string name) => Cache.GetOrAdd(name, static n =>
    {
        using var stream = typeof(ContractArtifact).Assembly.GetManifestResourceStream($"artifacts/{n}.json")
            ?? throw new InvalidOperationException($"No compiled artifact for contract '{n}' is embedded in MaaS.Chain.");
        using var document = JsonDocument.Parse(stream);
        var root = document.RootElement;
        return new ContractArtifact(
            n,
            root.GetProperty("abi").GetRawText(),
            root.GetProperty("bytecode").GetString() ?? "",
            root.GetProperty("deployedBytecode").GetString() ?? "");
    });

    public static IEnumerable<ContractArtifact> All() => ContractNames.Select(Load);
}
