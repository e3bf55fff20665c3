namespace MaaS.Gateway.Identity;

/// <summary>
/// The seam where authentication goes (API keys and OIDC come with the membership issue). Until then the gateway
/// makes sure no caller can smuggle an identity to a service: every identity header from outside is removed.
/// </summary>
public static class CallerIdentityMiddleware
{
    public const string HeaderPrefix = "X-MaaS-";

    public static IApplicationBuilder UseCallerIdentity(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        foreach (var header in context.Request.Headers.Keys.Where(k => k.StartsWith(HeaderPrefix, StringComparison.OrdinalIgnoreCase)).ToList())
            context.Request.Headers.Remove(header);
        await next(context);
    });
}
