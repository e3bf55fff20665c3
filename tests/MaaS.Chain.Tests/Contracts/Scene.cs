using Nethereum.Signer;

namespace MaaS.Chain.Tests.Contracts;

/// <summary>A prepared situation a refusal is checked against: a machine in some state, a ticket, an auction, an invitation…</summary>
public sealed class Scene
{
    /// <summary>The machine (a fresh, unregistered UUID unless the scene registered it).</summary>
    public byte[] Id { get; init; } = Ids.MachineId();

    /// <summary>The machine's current ticket / auction.</summary>
    public uint Seq { get; init; }

    /// <summary>Billing period index of the scene's invoice.</summary>
    public uint Period { get; init; }

    public int Revision { get; init; }

    /// <summary>A pending invitation's code (one-time key).</summary>
    public EthECKey? Invitation { get; init; }

    /// <summary>A sealed bid committed by maintainerA: price, eta, salt.</summary>
    public ulong Price { get; init; }

    public uint Eta { get; init; }

    public byte[] Salt { get; init; } = Ids.Digest("salt");

    /// <summary>A contract instance other than the world's (a spare registry), used when the row's contract has its name.</summary>
    public ChainContract? Target { get; init; }

    /// <summary>An account whose code refuses ether.</summary>
    public string? Rejecter { get; init; }
}
