using System.Net.Http.Headers;
using System.Security.Claims;
using MaaS.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Authentication;

using MaaS.Gateway.Hosting;

namespace MaaS.Gateway.Identity;

/// <summary>
/// The gateway authenticates every call: an API key (header <c>X-Api-Key</c>, or <c>Authorization: Bearer maas_…</c>)
/// or an access token of the configured OIDC issuer is resolved to a member, and the request goes on carrying a
/// short-lived identity signed with the key the services verify. Nothing a caller sends can pass for an identity:
/// every identity header from outside is removed first. A read-scoped caller is refused every write here.
/// </summary>
public static class CallerAuthentication
{
    public const string ApiKeyHeader = "X-Api-Key";

    public static IServiceCollection AddCallerAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(IdentityOptions.Section).Get<IdentityOptions>() ?? new IdentityOptions();
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IdentityTokens>();
        services.AddMemoryCache();
        services.AddHttpClient(nameof(MemberDirectory), c => c.Timeout = TimeSpan.FromSeconds(5));
        services.AddSingleton<MemberDirectory>();
        services.AddOidcBearer(configuration);
        return services;
    }

    /// <summary>The member of this request, once authenticated (null for anonymous calls).</summary>
    public static MemberIdentity? Caller(this HttpContext context) => context.Items[nameof(MemberIdentity)] as MemberIdentity;

    public static IApplicationBuilder UseCallerAuthentication(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var headers = context.Request.Headers;
        var apiKey = headers[ApiKeyHeader].ToString();
        string? bearer = null;
        if (AuthenticationHeaderValue.TryParse(headers.Authorization, out var auth) && auth.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            if (auth.Parameter?.StartsWith("maas_", StringComparison.Ordinal) == true) apiKey = string.IsNullOrEmpty(apiKey) ? auth.Parameter : apiKey;
            else bearer = auth.Parameter;
        }

        MemberIdentity? member = null;
        try
        {
            if (!string.IsNullOrEmpty(apiKey))
                member = await context.RequestServices.GetRequiredService<MemberDirectory>().ResolveApiKeyAsync(apiKey, context.RequestAborted)
                    ?? throw new CallerRefusedException("The API key is unknown, expired or revoked.");
            else if (!string.IsNullOrEmpty(bearer))
                member = await ResolveOidcAsync(context);
        }
        catch (CallerRefusedException refused)
        {
            await GatewayProblems.WriteAsync(context, StatusCodes.Status401Unauthorized, "unauthenticated", refused.Message);
            return;
        }
        catch (HttpRequestException)
        {
            await GatewayProblems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "identity-unavailable", "The member directory cannot be reached; try again shortly.");
            return;
        }

        // Only now: the OIDC handler read the Authorization header above.
        foreach (var name in headers.Keys.Where(k => k.StartsWith("X-MaaS-", StringComparison.OrdinalIgnoreCase)).ToList()) headers.Remove(name);
        headers.Remove(ApiKeyHeader);
        headers.Authorization = default;
        if (member is not null)
        {
            if (member.Scope == KeyScope.Read && !(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method)))
            {
                await GatewayProblems.WriteAsync(context, StatusCodes.Status403Forbidden, "read-only-credential",
                    "This credential has read scope; use a write-scoped API key (or a token with the write scope) to change anything.");
                return;
            }
            headers.Authorization = "Bearer " + context.RequestServices.GetRequiredService<IdentityTokens>().Mint(member);
            context.Items[nameof(MemberIdentity)] = member;
        }
        await next(context);
    });

    private static async Task<MemberIdentity> ResolveOidcAsync(HttpContext context)
    {
        var oidc = context.RequestServices.GetRequiredService<OidcOptions>();
        if (!oidc.Enabled) throw new CallerRefusedException("Bearer tokens are not accepted here: authenticate with an API key.");
        var result = await context.AuthenticateAsync(OidcOptions.Scheme);
        if (!result.Succeeded) throw new CallerRefusedException("The bearer token is not valid: " + (result.Failure?.Message ?? "no token"));
        var principal = result.Principal;
        var claim = principal.FindFirstValue(oidc.MemberClaim)
            ?? throw new CallerRefusedException($"The token has no '{oidc.MemberClaim}' claim naming a member.");
        var memberId = Guid.TryParse(claim, out var id) ? id
            : claim.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && claim.Length == 42 ? MemberIds.For(claim)
            : throw new CallerRefusedException($"The '{oidc.MemberClaim}' claim is neither a member id nor an account.");
        var scopes = principal.FindAll("scope").Concat(principal.FindAll("scp")).SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var scope = scopes.Contains(oidc.WriteScope, StringComparer.Ordinal) ? KeyScope.Write : KeyScope.Read;
        return await context.RequestServices.GetRequiredService<MemberDirectory>().ResolveMemberAsync(memberId, scope, context.RequestAborted)
            ?? throw new CallerRefusedException($"The token names member {memberId}, which this consortium does not know (or revoked).");
    }

    private sealed class CallerRefusedException(string message) : Exception(message);
}
