using System.Net.Http.Headers;
using MaaS.ServiceDefaults.Identity;

namespace MaaS.Gateway.Identity;

/// <summary>
/// The gateway authenticates every call: an API key (header <c>X-Api-Key</c>, or <c>Authorization: Bearer maas_…</c>)
/// is resolved to a member, and the request goes on carrying a short-lived identity signed with the key the services
/// verify. Nothing a caller sends can pass for an identity: every identity header from outside is removed first.
/// </summary>
public static class ApiKeyAuthentication
{
    public const string ApiKeyHeader = "X-Api-Key";

    public static IServiceCollection AddApiKeyAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(IdentityOptions.Section).Get<IdentityOptions>() ?? new IdentityOptions();
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IdentityTokens>();
        services.AddMemoryCache();
        services.AddHttpClient(nameof(ApiKeyDirectory), c => c.Timeout = TimeSpan.FromSeconds(5));
        services.AddSingleton<ApiKeyDirectory>();
        return services;
    }

    public static IApplicationBuilder UseApiKeyAuthentication(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var headers = context.Request.Headers;
        var apiKey = headers[ApiKeyHeader].ToString();
        if (string.IsNullOrEmpty(apiKey) && AuthenticationHeaderValue.TryParse(headers.Authorization, out var auth)
            && auth.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) && auth.Parameter?.StartsWith("maas_", StringComparison.Ordinal) == true)
            apiKey = auth.Parameter;
        foreach (var name in headers.Keys.Where(k => k.StartsWith("X-MaaS-", StringComparison.OrdinalIgnoreCase)).ToList()) headers.Remove(name);
        headers.Remove(ApiKeyHeader);
        headers.Authorization = default;

        if (!string.IsNullOrEmpty(apiKey))
        {
            var directory = context.RequestServices.GetRequiredService<ApiKeyDirectory>();
            MemberIdentity? member;
            try
            {
                member = await directory.ResolveAsync(apiKey, context.RequestAborted);
            }
            catch (HttpRequestException)
            {
                await Problem(context, StatusCodes.Status503ServiceUnavailable, "identity-unavailable", "The member directory cannot be reached; try again shortly.");
                return;
            }
            if (member is null)
            {
                await Problem(context, StatusCodes.Status401Unauthorized, "unauthenticated", "The API key is unknown or revoked.");
                return;
            }
            headers.Authorization = "Bearer " + context.RequestServices.GetRequiredService<IdentityTokens>().Mint(member);
            context.Items[nameof(MemberIdentity)] = member;
        }
        await next(context);
    });

    private static Task Problem(HttpContext context, int status, string code, string detail)
    {
        context.Response.StatusCode = status;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = status == 401 ? "Authentication is required." : "Service unavailable.", Detail = detail,
                Type = "https://maas.services/problems/" + code },
        }).AsTask();
    }
}
