using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using MaaS.Gateway.Hosting;
using MaaS.Gateway.Identity;
using MaaS.ServiceDefaults.Identity;

namespace MaaS.Gateway.Observability;

public sealed class MetricsOptions
{
    public const string Section = "Gateway:Metrics";

    /// <summary>
    /// A bearer token the Prometheus scraper presents (<c>authorization: { credentials: … }</c> in its scrape config).
    /// Unset: only the operator's credentials may read the gateway's metrics.
    /// </summary>
    public string? ScrapeToken { get; set; }
}

/// <summary>
/// The gateway's <c>/metrics</c> is on the public port, and its figures (request rates per route, ingest rate, member
/// traffic) are the operator's business: it answers the consortium operator's API key or token, or the configured scrape
/// token, and a 401/403 problem to anyone else. The services' own <c>/metrics</c> stay open on their internal ports.
/// </summary>
public static class ProtectedMetrics
{
    public const string Path = "/metrics";
    private const string ScraperItem = "maas:metrics-scraper";

    /// <summary>
    /// Call before <c>UseCallerAuthentication</c>: the scrape token is not a member credential, so it is taken off the
    /// request here (else the caller authentication would refuse it as an unknown bearer token).
    /// </summary>
    public static WebApplication UseProtectedMetrics(this WebApplication app)
    {
        var options = app.Configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>() ?? new MetricsOptions();
        var token = string.IsNullOrWhiteSpace(options.ScrapeToken) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(options.ScrapeToken));
        app.Use(async (context, next) =>
        {
            if (token is not null && context.Request.Path.Equals(Path, StringComparison.OrdinalIgnoreCase)
                && AuthenticationHeaderValue.TryParse(context.Request.Headers.Authorization, out var auth)
                && auth.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) && auth.Parameter is { } given
                && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), token))
            {
                context.Items[ScraperItem] = true;
                context.Request.Headers.Authorization = default;
            }
            await next(context);
        });
        // The gate sits on the endpoint, which runs after the caller authentication has named the member.
        app.MapPrometheusScrapingEndpoint(Path).Add(endpoint =>
        {
            var scrape = endpoint.RequestDelegate!;
            endpoint.RequestDelegate = context =>
            {
                if (context.Items.ContainsKey(ScraperItem) || context.Caller()?.Has(MemberRoles.Operator) == true) return scrape(context);
                return context.Caller() is null
                    ? GatewayProblems.WriteAsync(context, StatusCodes.Status401Unauthorized, "unauthenticated",
                        "The gateway's metrics need the operator's API key (X-Api-Key) or the scrape token (Authorization: Bearer).")
                    : GatewayProblems.WriteAsync(context, StatusCodes.Status403Forbidden, "forbidden", "Only the consortium operator may read the gateway's metrics.");
            };
        });
        return app;
    }
}
