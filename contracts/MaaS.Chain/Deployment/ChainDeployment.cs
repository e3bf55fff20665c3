using System.Text.Json;
using System.Text.Json.Serialization;
using MaaS.Chain.Artifacts;

namespace MaaS.Chain.Deployment;

/// <summary>
/// What the deploy tool wrote (<c>Chain:DeploymentFile</c>): the chain, the operator who deployed, and per contract its
/// address, deploy transaction, and the published source (CIDv0 and its digest, the <c>bytes32</c> in the Consortium
/// directory) with the compiler settings hash. <see cref="Complete"/> is false while a deployment is under way (the
/// deployer saves after every contract, so a restart resumes rather than starts over).
/// </summary>
public sealed record ChainDeployment(
    long ChainId,
    string Operator,
    long DeploymentBlock,
    bool Complete,
    IReadOnlyList<DeployedContract> Contracts)
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public DeployedContract? Find(string name) => Contracts.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.Ordinal));

    /// <summary>The contract named <paramref name="name"/> (<see cref="ContractArtifact.ContractNames"/>).</summary>
    public DeployedContract this[string name] =>
        Find(name) ?? throw new InvalidOperationException($"The deployment on chain {ChainId} has no contract '{name}'.");

    /// <summary>The same deployment with <paramref name="contract"/> added or replaced (by name), in deployment order.</summary>
    public ChainDeployment With(DeployedContract contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var contracts = Contracts.Where(c => c.Name != contract.Name).Append(contract)
            .OrderBy(c => Order(c.Name)).ThenBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
        return this with
        {
            Contracts = contracts,
            DeploymentBlock = contracts.Count == 0 ? 0 : contracts.Min(c => c.BlockNumber),
        };
    }

    public static async Task<ChainDeployment> LoadAsync(string path, CancellationToken ct = default)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"The deployment file {path} does not exist: deploy the contracts first.", path);
        await using var stream = File.OpenRead(path);
        var deployment = await JsonSerializer.DeserializeAsync<ChainDeployment>(stream, JsonOptions, ct)
            ?? throw new InvalidDataException($"{path} is not a deployment file.");
        return deployment.Validate(path);
    }

    public static ChainDeployment Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"The deployment file {path} does not exist: deploy the contracts first.", path);
        using var stream = File.OpenRead(path);
        var deployment = JsonSerializer.Deserialize<ChainDeployment>(stream, JsonOptions)
            ?? throw new InvalidDataException($"{path} is not a deployment file.");
        return deployment.Validate(path);
    }

    /// <summary>Writes the file atomically: a temporary file next to it, flushed, then renamed over it.</summary>
    public async Task SaveAsync(string path, CancellationToken ct = default)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                await JsonSerializer.SerializeAsync(file, this, JsonOptions, ct);
                await file.WriteAsync("\n"u8.ToArray(), ct);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private static int Order(string name)
    {
        for (var i = 0; i < ContractArtifact.ContractNames.Count; i++)
            if (ContractArtifact.ContractNames[i] == name) return i;
        return int.MaxValue;
    }

    private ChainDeployment Validate(string path)
    {
        if (Contracts is null || Operator is null) throw new InvalidDataException($"{path} is not a deployment file (no operator or contracts).");
        foreach (var c in Contracts)
        {
            if (string.IsNullOrWhiteSpace(c.Name) || string.IsNullOrWhiteSpace(c.Address))
                throw new InvalidDataException($"{path} has a contract without name or address.");
        }
        return this;
    }
}

/// <param name="SourceCid">CIDv0 (<c>Qm…</c>) of the published source bundle in the off-chain store.</param>
/// <param name="SourceDigest">Its sha256 digest, 0x hex: the <c>sourceCid</c> in the Consortium directory.</param>
/// <param name="CompilerSettingsHash">0x hex, as in <c>artifacts/publication.json</c> and the directory.</param>
public sealed record DeployedContract(
    string Name,
    string Address,
    string TransactionHash,
    long BlockNumber,
    long GasUsed,
    string SourceCid,
    string SourceDigest,
    string CompilerSettingsHash);
