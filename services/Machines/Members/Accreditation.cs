using System.Text;
using MaaS.ServiceDefaults.ChainFacts;
using MaaS.ServiceDefaults.Identity;
using Nethereum.Util;

namespace MaaS.Machines.Members;

public sealed record MaintainerAccreditedOnChain(Guid StreamId, string Oem, string Maintainer, string Model, ushort Region, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

public sealed record AccreditationWithdrawnOnChain(Guid StreamId, string Oem, string Maintainer, string Model, ushort Region, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

/// <summary>One (OEM, maintainer, model, region) accreditation (inline projection), observed and final.</summary>
public sealed record AccreditationView(
    Guid Id, string Oem, Guid OemId, string Maintainer, Guid MaintainerId, string Model, ushort Region, bool Active, bool ActiveFinal, IReadOnlyList<HistoryEntry> History)
{
    public static AccreditationView Create(MaintainerAccreditedOnChain e) =>
        new AccreditationView(e.StreamId, e.Oem, MemberIds.For(e.Oem), e.Maintainer, MemberIds.For(e.Maintainer), e.Model, e.Region, false, false, []).Apply(e);

    public static AccreditationView Create(AccreditationWithdrawnOnChain e) =>
        new AccreditationView(e.StreamId, e.Oem, MemberIds.For(e.Oem), e.Maintainer, MemberIds.For(e.Maintainer), e.Model, e.Region, false, false, []).Apply(e);

    public AccreditationView Apply(MaintainerAccreditedOnChain e) => Recompute(this with { History = History.Record(e, "MaintainerAccredited") });

    public AccreditationView Apply(AccreditationWithdrawnOnChain e) => Recompute(this with { History = History.Record(e, "AccreditationWithdrawn") });

    public AccreditationView Apply(ChainFactRetracted e) => Recompute(this with { History = History.Retract(e) });

    /// <summary>Whether it covers a machine of this model in this region.</summary>
    public bool Covers(string model, ushort region) => Active && Model == model && (Region == Accreditations.AllRegions || Region == region);

    private static AccreditationView Recompute(AccreditationView v) => v with
    {
        Active = v.History.Live().LastOrDefault()?.Event == "MaintainerAccredited",
        ActiveFinal = v.History.Settled().LastOrDefault()?.Event == "MaintainerAccredited",
    };
}

public static class Accreditations
{
    public const ushort AllRegions = 65535;

    public static Guid Id(string oem, string maintainer, byte[] model, ushort region)
    {
        var hash = Sha3Keccack.Current.CalculateHash(Encoding.ASCII.GetBytes(
            $"maas-accreditation:{oem.ToLowerInvariant()}:{maintainer.ToLowerInvariant()}:{Convert.ToHexStringLower(model)}:{region}"));
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
