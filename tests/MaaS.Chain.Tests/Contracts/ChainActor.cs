using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Signer;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;

namespace MaaS.Chain.Tests.Contracts;

/// <summary>One party on the chain: its own key and a <see cref="Web3"/> that signs with it.</summary>
public sealed class ChainActor
{
    public ChainActor(string name, EthECKey key, Uri rpc, long chainId)
    {
        Name = name;
        Key = key;
        Account = new Account(key.GetPrivateKeyAsBytes().ToHex(true), chainId);
        Web3 = new Web3(Account, rpc.ToString());
    }

    public string Name { get; }

    public EthECKey Key { get; }

    public Account Account { get; }

    public Web3 Web3 { get; }

    /// <summary>The address in lower case, as <see cref="Values.Addr(string)"/> returns addresses.</summary>
    public string Address => Account.Address.ToLowerInvariant();

    public override string ToString() => Name;
}
