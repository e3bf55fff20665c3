using System.Security.Claims;
using System.Text.Json.Serialization;

namespace MaaS.ServiceDefaults.Identity;

/// <summary>Consortium roles. OEM, Customer and Maintainer carry the same bit values as on chain; Operator is the consortium operator.</summary>
[Flags]
[JsonConverter(typeof(JsonStringEnumConverter<MemberRoles>))]
public enum MemberRoles
{
    None = 0,
    Oem = 1,
    Customer = 2,
    Maintainer = 4,
    Operator = 8,

    /// <summary>The gateway itself, calling a service's internal endpoints.</summary>
    Gateway = 64,
}

[JsonConverter(typeof(JsonStringEnumConverter<KeyScope>))]
public enum KeyScope
{
    Read,
    Write,
}

/// <summary>Who is calling: the member behind the API key (or bearer token) the gateway accepted.</summary>
public sealed record MemberIdentity(Guid MemberId, string Name, MemberRoles Roles, string Account, KeyScope Scope)
{
    public const string MemberIdClaim = "sub";
    public const string NameClaim = "name";
    public const string RoleClaim = "role";
    public const string AccountClaim = "account";
    public const string ScopeClaim = "scope";

    public bool Has(MemberRoles role) => (Roles & role) == role;

    public IEnumerable<Claim> ToClaims()
    {
        yield return new Claim(MemberIdClaim, MemberId.ToString());
        yield return new Claim(NameClaim, Name);
        yield return new Claim(AccountClaim, Account);
        yield return new Claim(ScopeClaim, Scope.ToString().ToLowerInvariant());
        foreach (var role in Enum.GetValues<MemberRoles>().Where(r => r != MemberRoles.None && Has(r)))
            yield return new Claim(RoleClaim, role.ToString().ToLowerInvariant());
    }

    public static MemberIdentity? FromPrincipal(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true) return null;
        if (!Guid.TryParse(principal.FindFirstValue(MemberIdClaim), out var memberId)) return null;
        var roles = principal.FindAll(RoleClaim)
            .Select(c => Enum.TryParse<MemberRoles>(c.Value, ignoreCase: true, out var r) ? r : MemberRoles.None)
            .Aggregate(MemberRoles.None, (a, r) => a | r);
        var scope = Enum.TryParse<KeyScope>(principal.FindFirstValue(ScopeClaim), ignoreCase: true, out var s) ? s : KeyScope.Read;
        return new MemberIdentity(memberId, principal.FindFirstValue(NameClaim) ?? "", roles, principal.FindFirstValue(AccountClaim) ?? "", scope);
    }
}
