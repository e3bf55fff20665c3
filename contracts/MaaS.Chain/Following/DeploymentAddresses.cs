using System.Globalization;
using System.Text.Json;

namespace MaaS.Chain.Following;

/// <summary>
/// Reads contract addresses from the deployment file the deploy tool writes (<c>Chain:DeploymentFile</c>). The format is
/// read tolerantly: the first property named after the contract (case-insensitive, at any depth) is either the address
/// itself or an object with an <c>address</c> and optionally the deployment block (<c>blockNumber</c>, <c>block</c>,
/// <c>deployBlock</c> or <c>deploymentBlock</c>, as a number or 0x hex).
/// </summary>
public static class DeploymentAddresses
{
    private static readonly string[] BlockProperties = ["blockNumber", "block", "deployBlock", "deploymentBlock", "deployedAtBlock"];

    /// <summary>One contract as the deployment file names it.</summary>
    public sealed record Deployed(string Name, string Address, long? Block);

    public static async Task<IReadOnlyList<Deployed>> ReadAsync(string path, IEnumerable<string> contracts, CancellationToken cancellationToken)
    {
        if (!File.Exists(path)) throw new InvalidOperationException($"The deployment file {path} does not exist (yet): deploy the contracts first.");
        await using var stream = File.OpenRead(path);
        using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        return contracts.Select(name => Find(document.RootElement, name)
            ?? throw new InvalidOperationException($"The deployment file {path} names no contract '{name}'.")).ToList();
    }

    /// <summary>Adds the addresses of <see cref="FollowerOptions.Contracts"/> and, when no start block is set, starts at the earliest deployment block.</summary>
    public static async Task ApplyAsync(FollowerOptions options, string? path, CancellationToken cancellationToken)
    {
        if (options.Contracts.Count == 0) return;
        if (string.IsNullOrWhiteSpace(path))
            throw new InvalidOperationException($"Chain follower '{options.Name}' follows contracts by name ({string.Join(", ", options.Contracts)}) but Chain:DeploymentFile is not configured.");
        var deployed = await ReadAsync(path, options.Contracts, cancellationToken);
        foreach (var contract in deployed.Where(d => !options.Addresses.Contains(d.Address, StringComparer.OrdinalIgnoreCase)))
            options.Addresses.Add(contract.Address);
        if (options.StartBlock == 0 && deployed.All(d => d.Block is not null))
            options.StartBlock = deployed.Min(d => d.Block!.Value);
    }

    private static Deployed? Find(JsonElement element, string name)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase) && Parse(name, property.Value) is { } found) return found;
            }
            foreach (var property in element.EnumerateObject())
            {
                if (Find(property.Value, name) is { } nested) return nested;
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                // [{ "name": "MachineRegistry", "address": "0x…" }, …]
                if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
                    && string.Equals(n.GetString(), name, StringComparison.OrdinalIgnoreCase) && Parse(name, item) is { } named)
                    return named;
                if (Find(item, name) is { } nested) return nested;
            }
        }
        return null;
    }

    private static Deployed? Parse(string name, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String && IsAddress(value.GetString())) return new Deployed(name, value.GetString()!.ToLowerInvariant(), null);
        if (value.ValueKind != JsonValueKind.Object) return null;
        if (!value.TryGetProperty("address", out var address) || !IsAddress(address.GetString())) return null;
        long? block = null;
        foreach (var key in BlockProperties)
        {
            if (!value.TryGetProperty(key, out var b)) continue;
            if (b.ValueKind == JsonValueKind.Number && b.TryGetInt64(out var n)) block = n;
            else if (b.ValueKind == JsonValueKind.String && b.GetString() is { } s)
                block = s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                    ? long.Parse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
                    : long.Parse(s, CultureInfo.InvariantCulture);
            break;
        }
        return new Deployed(name, address.GetString()!.ToLowerInvariant(), block);
    }

    private static bool IsAddress(string? s) =>
        s is { Length: 42 } && s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && s[2..].All(char.IsAsciiHexDigit);
}
