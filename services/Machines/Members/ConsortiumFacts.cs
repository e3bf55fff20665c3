using MaaS.Chain.Contracts;
using MaaS.Chain.Contracts.Generated.Consortium;
using MaaS.Chain.Following;
using MaaS.ServiceDefaults.ChainFacts;
using MaaS.ServiceDefaults.Identity;

namespace MaaS.Machines.Members;

/// <summary>The Consortium contract's membership and accreditation events, as facts on member and accreditation streams.</summary>
public sealed class ConsortiumFacts(IConsortium consortium, TimeProvider clock) : ChainFactHandler(clock)
{
    protected override string ContractAddress => consortium.Address;

    protected override IChainFact? Decode(ChainLog log, bool final, DateTimeOffset observedAt)
    {
        var at = ChainRef.From(log);
        if (ContractEvents.TryDecode<MemberJoinedEventDTO>(log.Topics, log.Data, out var joined))
            return new MemberJoinedOnChain(MemberIds.For(joined.Member), joined.Member.ToLowerInvariant(), joined.Roles, joined.InviteId.ToLowerInvariant(), at, final, observedAt);
        if (ContractEvents.TryDecode<MemberRolesChangedEventDTO>(log.Topics, log.Data, out var changed))
            return new MemberRolesChangedOnChain(MemberIds.For(changed.Member), changed.Member.ToLowerInvariant(), changed.Roles, at, final, observedAt);
        if (ContractEvents.TryDecode<MemberRevokedEventDTO>(log.Topics, log.Data, out var revoked))
            return new MemberRevokedOnChain(MemberIds.For(revoked.Member), revoked.Member.ToLowerInvariant(), at, final, observedAt);
        if (ContractEvents.TryDecode<MaintainerAccreditedEventDTO>(log.Topics, log.Data, out var accredited))
            return new MaintainerAccreditedOnChain(Accreditations.Id(accredited.Oem, accredited.Maintainer, accredited.Model, accredited.Region),
                accredited.Oem.ToLowerInvariant(), accredited.Maintainer.ToLowerInvariant(), Bytes32.ToAscii(accredited.Model), accredited.Region, at, final, observedAt);
        if (ContractEvents.TryDecode<AccreditationWithdrawnEventDTO>(log.Topics, log.Data, out var withdrawn))
            return new AccreditationWithdrawnOnChain(Accreditations.Id(withdrawn.Oem, withdrawn.Maintainer, withdrawn.Model, withdrawn.Region),
                withdrawn.Oem.ToLowerInvariant(), withdrawn.Maintainer.ToLowerInvariant(), Bytes32.ToAscii(withdrawn.Model), withdrawn.Region, at, final, observedAt);
        return null;
    }
}
