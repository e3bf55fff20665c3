using Nethereum.Signer;

namespace MaaS.Chain.Transactions;

/// <summary>The private keys this deployment signs with, by address. In production this is a KMS or an HSM.</summary>
public interface ISigningKeys
{
    bool TryGet(string address, out EthECKey key);

    IEnumerable<string> Addresses { get; }
}

/// <summary>Keys held in memory, loaded from configuration (<c>Chain:SigningKeys</c>: a list of hex private keys) or added at run time.</summary>
public sealed class InMemorySigningKeys : ISigningKeys
{
    private readonly Dictionary<string, EthECKey> keys = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock gate = new();

    public InMemorySigningKeys(IEnumerable<string>? privateKeys = null)
    {
        foreach (var privateKey in privateKeys ?? []) Add(privateKey);
    }

    /// <returns>The address of the key.</returns>
    public string Add(string privateKeyHex)
    {
        var key = new EthECKey(privateKeyHex);
        var address = key.GetPublicAddress();
        lock (gate) keys[address] = key;
        return address;
    }

    public bool TryGet(string address, out EthECKey key)
    {
        lock (gate) return keys.TryGetValue(address, out key!);
    }

    public IEnumerable<string> Addresses
    {
        get { lock (gate) return [.. keys.Keys]; }
    }
}
