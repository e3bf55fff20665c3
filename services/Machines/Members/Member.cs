using MaaS.ServiceDefaults.ChainFacts;
using MaaS.ServiceDefaults.Identity;

namespace MaaS.Machines.Members;

// A member's stream (id = MemberIds.For(account)): what this deployment did for it, and what the chain says of it.

/// <summary>This deployment holds the member's signing key (made when it redeemed an invitation here, or the seeded operator's).</summary>
public sealed record MemberKeyHeld(Guid MemberId, string Account, string Name, bool IsOperator, DateTimeOffset At);

public sealed record ApiKeyIssued(Guid MemberId, string KeyHash, KeyScope Scope, DateTimeOffset At, string? Name = null);

public sealed record ApiKeyRevoked(Guid MemberId, string KeyHash, DateTimeOffset At);

/// <summary>The key was rotated: it keeps working until <paramref name="ExpiresAt"/>, then never again.</summary>
public sealed record ApiKeyExpiring(Guid MemberId, string KeyHash, DateTimeOffset ExpiresAt, DateTimeOffset At);

public sealed record MemberJoinedOnChain(Guid StreamId, string Account, int Roles, string InviteId, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

public sealed record MemberRolesChangedOnChain(Guid StreamId, string Account, int Roles, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

public sealed record MemberRevokedOnChain(Guid StreamId, string Account, ChainRef Ref, bool Final, DateTimeOffset ObservedAt) : IChainFact;

public enum MemberStatus
{
    /// <summary>Known here (key held, API key issued) but not yet a member on chain.</summary>
    Pending,
    Active,
    Revoked,
}

public sealed record MemberKey(string Hash, KeyScope Scope, DateTimeOffset IssuedAt, DateTimeOffset? RevokedAt, string? Name = null, DateTimeOffset? ExpiresAt = null);

/// <summary>A member as this deployment sees it (inline projection): roles and status from the chain, observed and final.</summary>
public sealed record MemberView(
    Guid Id, string Account, string Name, bool IsOperator, int ChainRoles, MemberStatus Status, MemberStatus FinalStatus,
    IReadOnlyList<MemberKey> ApiKeys, IReadOnlyList<HistoryEntry> History)
{
    /// <summary>The roles a request of this member carries: chain roles while active, plus operator.</summary>
    public MemberRoles Roles => (Status == MemberStatus.Active ? (MemberRoles)ChainRoles : MemberRoles.None) | (IsOperator ? MemberRoles.Operator : MemberRoles.None);

    private static MemberView Empty(Guid id, string account) => new(id, account, "", false, 0, MemberStatus.Pending, MemberStatus.Pending, [], []);

    public static MemberView Create(MemberKeyHeld e) => Empty(e.MemberId, e.Account).Apply(e);

    public static MemberView Create(MemberJoinedOnChain e) => Empty(e.StreamId, e.Account).Apply(e);

    public static MemberView Create(MemberRolesChangedOnChain e) => Empty(e.StreamId, e.Account).Apply(e);

    public static MemberView Create(MemberRevokedOnChain e) => Empty(e.StreamId, e.Account).Apply(e);

    public MemberView Apply(MemberKeyHeld e) => this with { Name = e.Name, IsOperator = IsOperator || e.IsOperator };

    public MemberView Apply(ApiKeyIssued e) => this with { ApiKeys = [.. ApiKeys, new MemberKey(e.KeyHash, e.Scope, e.At, null, e.Name)] };

    public MemberView Apply(ApiKeyRevoked e) => this with { ApiKeys = [.. ApiKeys.Select(k => k.Hash == e.KeyHash ? k with { RevokedAt = e.At } : k)] };

    public MemberView Apply(ApiKeyExpiring e) => this with { ApiKeys = [.. ApiKeys.Select(k => k.Hash == e.KeyHash ? k with { ExpiresAt = e.ExpiresAt } : k)] };

    public MemberView Apply(MemberJoinedOnChain e) => Recompute(this with { History = History.Record(e, "MemberJoined", e.Roles) });

    public MemberView Apply(MemberRolesChangedOnChain e) => Recompute(this with { History = History.Record(e, "MemberRolesChanged", e.Roles) });

    public MemberView Apply(MemberRevokedOnChain e) => Recompute(this with { History = History.Record(e, "MemberRevoked") });

    public MemberView Apply(ChainFactRetracted e) => Recompute(this with { History = History.Retract(e) });

    private static MemberView Recompute(MemberView view)
    {
        var (roles, status) = Fold(view.History.Live());
        return view with { ChainRoles = roles, Status = status, FinalStatus = Fold(view.History.Settled()).Status };
    }

    private static (int Roles, MemberStatus Status) Fold(IEnumerable<HistoryEntry> facts) =>
        facts.Aggregate((Roles: 0, Status: MemberStatus.Pending), (s, f) => f.Event switch
        {
            "MemberJoined" => ((int)(f.Value ?? 0), MemberStatus.Active),
            "MemberRolesChanged" => ((int)(f.Value ?? 0), s.Status),
            "MemberRevoked" => (0, MemberStatus.Revoked),
            _ => s,
        });
}
