using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MaaS.ServiceDefaults.Identity;

public sealed class IdentityOptions
{
    public const string Section = "Identity";

    /// <summary>Base64 of at least 32 random bytes, shared by the gateway (which signs) and the services (which verify).</summary>
    public string SigningKey { get; set; } = "";

    public string Issuer { get; set; } = "maas-gateway";

    public string Audience { get; set; } = "maas-services";

    /// <summary>How long a minted identity is valid: one request's worth, so a leaked token is soon useless.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(2);

    public SymmetricSecurityKey Key()
    {
        if (string.IsNullOrWhiteSpace(SigningKey))
            throw new InvalidOperationException("Identity:SigningKey is not configured (base64 of at least 32 random bytes, the same for the gateway and every service).");
        var bytes = Convert.FromBase64String(SigningKey);
        if (bytes.Length < 32) throw new InvalidOperationException("Identity:SigningKey must be at least 32 bytes.");
        return new SymmetricSecurityKey(bytes);
    }

    public TokenValidationParameters ValidationParameters() => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        IssuerSigningKey = Key(),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ClockSkew = TimeSpan.FromSeconds(30),
        NameClaimType = MemberIdentity.NameClaim,
        RoleClaimType = MemberIdentity.RoleClaim,
    };
}

/// <summary>
/// The form in which the gateway hands a caller's identity to a service: a JWT signed with the shared key, valid for
/// minutes. A plain header could be set by anyone who reaches a service; a signature cannot.
/// </summary>
public sealed class IdentityTokens(IdentityOptions options, TimeProvider clock)
{
    private readonly JsonWebTokenHandler handler = new();

    public string Mint(MemberIdentity identity)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            Subject = new ClaimsIdentity(identity.ToClaims()),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + options.Lifetime,
            SigningCredentials = new SigningCredentials(options.Key(), SecurityAlgorithms.HmacSha256),
        });
    }
}
