using Microsoft.IdentityModel.Tokens;

namespace MaaS.Gateway.Identity;

/// <summary>
/// An OAuth2/OIDC issuer whose access tokens the gateway accepts (ERP integrations). Enabled when <see cref="Issuer"/>
/// is set. Signing keys come from <see cref="Jwks"/> when given, else from the issuer's metadata
/// (<c>{Authority}/.well-known/openid-configuration</c> → <c>jwks_uri</c>, refreshed by the JWT handler).
/// </summary>
public sealed class OidcOptions
{
    public const string Section = "Gateway:Oidc";
    public const string Scheme = "oidc";

    public string? Issuer { get; set; }

    /// <summary>The audience the tokens must name (this API); not checked when empty.</summary>
    public string? Audience { get; set; }

    /// <summary>Where the metadata lives; the issuer when absent.</summary>
    public string? Authority { get; set; }

    /// <summary>A JSON Web Key Set given inline: no metadata is fetched then.</summary>
    public string? Jwks { get; set; }

    /// <summary>The claim that names the member: its member id (a GUID) or its account (0x address).</summary>
    public string MemberClaim { get; set; } = "maas_member";

    /// <summary>The OAuth scope that grants writes; a token without it reads only.</summary>
    public string WriteScope { get; set; } = "maas.write";

    public bool RequireHttpsMetadata { get; set; } = true;

    public bool Enabled => !string.IsNullOrWhiteSpace(Issuer);
}

public static class OidcBearer
{
    /// <summary>A JWT bearer scheme the gateway calls itself (no challenge, no default scheme): the services never see these tokens.</summary>
    public static IServiceCollection AddOidcBearer(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(OidcOptions.Section).Get<OidcOptions>() ?? new OidcOptions();
        services.AddSingleton(options);
        var authentication = services.AddAuthentication();
        if (!options.Enabled) return services;
        authentication.AddJwtBearer(OidcOptions.Scheme, o =>
        {
            o.MapInboundClaims = false;
            o.RequireHttpsMetadata = options.RequireHttpsMetadata;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = options.Issuer,
                ValidateAudience = !string.IsNullOrWhiteSpace(options.Audience),
                ValidAudience = options.Audience,
                // Asymmetric keys only: an HS256 token would need a secret shared with the issuer.
                ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
                    SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
                    SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512],
                ClockSkew = TimeSpan.FromSeconds(60),
            };
            if (!string.IsNullOrWhiteSpace(options.Jwks))
                o.TokenValidationParameters.IssuerSigningKeys = new JsonWebKeySet(options.Jwks).GetSigningKeys();
            else
                o.Authority = options.Authority ?? options.Issuer;
        });
        return services;
    }
}
