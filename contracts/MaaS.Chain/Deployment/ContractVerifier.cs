using MaaS.Chain.Artifacts;
using MaaS.Chain.Contracts;
using Nethereum.Contracts;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using InvoicingAbi = MaaS.Chain.Contracts.Generated.Invoicing;
using MaintenanceAbi = MaaS.Chain.Contracts.Generated.Maintenance;
using TelemetryAnchorAbi = MaaS.Chain.Contracts.Generated.TelemetryAnchor;

namespace MaaS.Chain.Deployment;

/// <summary>
/// Checks a deployment the way a third party would (paper §5.1): for each contract, read its Consortium directory
/// entry, fetch the published source by that CID from the off-chain store (re-hashed), recompile it, compare the
/// runtime code at the address with the compiled one (immutables masked, their values checked through the wiring
/// views), and compare the directory with the deployment file.
/// </summary>
public sealed class ContractVerifier(IWeb3 web3, ISourceStore store, ISolidityCompiler compiler)
{
    public async Task<VerificationReport> VerifyAsync(ChainDeployment deployment, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var problems = new List<string>();
        var chainId = (long)(await web3.Eth.ChainId.SendRequestAsync().WaitAsync(ct)).Value;
        if (chainId != deployment.ChainId) problems.Add($"the deployment is for chain {deployment.ChainId}, the node is chain {chainId}");
        if (!deployment.Complete) problems.Add("the deployment file says the deployment is incomplete");

        // One fetch and one compilation per distinct source bundle and run (the five contracts share one).
        var compilations = new Dictionary<string, Task<CompilationResult>>(StringComparer.Ordinal);
        var results = new List<ContractVerification>();
        var consortiumAddress = deployment.Find("Consortium")?.Address;
        foreach (var name in ContractArtifact.ContractNames)
            results.Add(await VerifyContractAsync(deployment, name, consortiumAddress, compilations, ct));
        return new VerificationReport(chainId, problems, results);
    }

    private async Task<ContractVerification> VerifyContractAsync(ChainDeployment deployment, string name, string? consortiumAddress,
        Dictionary<string, Task<CompilationResult>> compilations, CancellationToken ct)
    {
        var problems = new List<string>();
        var recorded = deployment.Find(name);
        if (recorded is null) problems.Add("not in the deployment file");

        // 1. The directory is what the chain claims; the file is what the services use. They must agree.
        PublishedContractOnChain? entry = null;
        if (consortiumAddress is not null)
        {
            try
            {
                entry = await new ConsortiumContract(consortiumAddress, web3).PublishedContractAsync(name, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                problems.Add($"the Consortium directory cannot be read: {ex.Message}");
            }
        }
        var directoryMatches = entry is not null && recorded is not null
            && Same(entry.Address, recorded.Address)
            && Same(Bytes32.ToHex(entry.SourceCid), recorded.SourceDigest)
            && Same(Bytes32.ToHex(entry.CompilerSettingsHash), recorded.CompilerSettingsHash);
        if (entry is null) problems.Add("no entry in the Consortium directory");
        else if (recorded is not null && !directoryMatches)
        {
            if (!Same(entry.Address, recorded.Address)) problems.Add($"the directory names {entry.Address}, the deployment file {recorded.Address}");
            if (!Same(Bytes32.ToHex(entry.SourceCid), recorded.SourceDigest)) problems.Add($"the directory's source is {store.CidOf(entry.SourceCid)}, the deployment file's {recorded.SourceCid}");
            if (!Same(Bytes32.ToHex(entry.CompilerSettingsHash), recorded.CompilerSettingsHash)) problems.Add("the directory's compiler settings hash differs from the deployment file's");
        }

        // 2. The published source, recompiled.
        var cid = entry is not null ? store.CidOf(entry.SourceCid) : recorded?.SourceCid;
        CompiledContract? compiled = null;
        var sourceAvailable = false;
        if (cid is null)
        {
            problems.Add("no source CID to verify against");
        }
        else
        {
            try
            {
                if (!compilations.TryGetValue(cid, out var pending)) compilations[cid] = pending = CompileAsync(cid, ct);
                var compilation = await pending;
                sourceAvailable = true;
                compiled = compilation.Find(name);
                if (compiled is null) problems.Add($"the source {cid} declares no contract {name}");
                if (entry is not null && !Same(compilation.SettingsHash, Bytes32.ToHex(entry.CompilerSettingsHash)))
                    problems.Add($"the directory's compiler settings hash is not that of the published settings with solc {compilation.Compiler}");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                problems.Add($"the source {cid} cannot be fetched and compiled: {ex.Message}");
            }
        }

        // 3. The runtime code at every address that claims to be this contract.
        var addresses = new[] { recorded?.Address, entry?.Address }.Where(a => a is not null).Select(a => a!.ToLowerInvariant()).Distinct().ToList();
        bool? codeMatches = compiled is null ? null : addresses.Count > 0;
        foreach (var address in addresses)
        {
            var code = (await web3.Eth.GetCode.SendRequestAsync(address).WaitAsync(ct)).HexToByteArray();
            if (compiled is null) continue;
            var comparison = RuntimeCode.Compare(compiled.DeployedBytecode.HexToByteArray(), code, compiled.ImmutableReferences);
            if (!comparison.Matches)
            {
                codeMatches = false;
                problems.Add($"{address}: {comparison.Detail}");
            }
        }

        // 4. The immutables (masked above) hold the other contracts of this deployment.
        var wiringMatches = recorded is not null && await CheckWiringAsync(deployment, name, recorded.Address, problems, ct);

        return new ContractVerification(name, recorded?.Address ?? entry?.Address, cid, sourceAvailable, codeMatches, directoryMatches, wiringMatches, problems);
    }

    private async Task<CompilationResult> CompileAsync(string cid, CancellationToken ct)
    {
        var input = await SourcePublication.FetchAsync(store, cid, ct);
        return await compiler.CompileAsync(input, ct);
    }

    private async Task<bool> CheckWiringAsync(ChainDeployment deployment, string name, string address, List<string> problems, CancellationToken ct)
    {
        string? Expected(string contract) => deployment.Find(contract)?.Address;
        var checks = new List<(string View, Task<string> Actual, string? Expected)>();
        switch (name)
        {
            case "Consortium":
                checks.Add(("operator()", new ConsortiumContract(address, web3).OperatorAsync(ct), deployment.Operator));
                break;
            case "MachineRegistry":
                var wiring = new MachineRegistryContract(address, web3).WiringAsync(ct);
                checks.Add(("consortium()", Pick(wiring, w => w.Consortium), Expected("Consortium")));
                checks.Add(("invoicing()", Pick(wiring, w => w.Invoicing), Expected("Invoicing")));
                checks.Add(("maintenance()", Pick(wiring, w => w.Maintenance), Expected("Maintenance")));
                break;
            case "Invoicing":
                checks.Add(("registry()", Query<InvoicingAbi.RegistryFunction>(address, ct), Expected("MachineRegistry")));
                break;
            case "Maintenance":
                checks.Add(("consortium()", Query<MaintenanceAbi.ConsortiumFunction>(address, ct), Expected("Consortium")));
                checks.Add(("registry()", Query<MaintenanceAbi.RegistryFunction>(address, ct), Expected("MachineRegistry")));
                break;
            case "TelemetryAnchor":
                checks.Add(("consortium()", Query<TelemetryAnchorAbi.ConsortiumFunction>(address, ct), Expected("Consortium")));
                break;
        }
        var ok = true;
        foreach (var (view, actualTask, expected) in checks)
        {
            string actual;
            try
            {
                actual = await actualTask;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                problems.Add($"{name}.{view} cannot be read: {ex.Message}");
                ok = false;
                continue;
            }
            if (!Same(actual, expected))
            {
                problems.Add($"{name}.{view} is {actual}, expected {expected ?? "(none in the deployment file)"}");
                ok = false;
            }
        }
        return ok;
    }

    private static async Task<string> Pick(Task<RegistryWiring> wiring, Func<RegistryWiring, string> field) => field(await wiring);

    private async Task<string> Query<TFunction>(string address, CancellationToken ct)
        where TFunction : FunctionMessage, new() =>
        await web3.Eth.GetContractQueryHandler<TFunction>().QueryAsync<string>(address, new TFunction(), BlockParameter.CreateLatest()).WaitAsync(ct);

    private static bool Same(string? a, string? b) => a is not null && b is not null && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}

/// <param name="Problems">Problems of the deployment as a whole (chain id, completeness).</param>
public sealed record VerificationReport(long ChainId, IReadOnlyList<string> Problems, IReadOnlyList<ContractVerification> Contracts)
{
    public bool Verified => Problems.Count == 0 && Contracts.All(c => c.Verified);
}

/// <param name="SourceCid">The CID the directory names (else the deployment file's).</param>
/// <param name="CodeMatches">Null when there was no compiled code to compare with.</param>
/// <param name="Problems">Every reason this contract is not verified; empty when it is.</param>
public sealed record ContractVerification(
    string Name,
    string? Address,
    string? SourceCid,
    bool SourceAvailable,
    bool? CodeMatches,
    bool DirectoryMatches,
    bool WiringMatches,
    IReadOnlyList<string> Problems)
{
    public bool Verified => Problems.Count == 0 && SourceAvailable && CodeMatches == true && DirectoryMatches && WiringMatches;
}
