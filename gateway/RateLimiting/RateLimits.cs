using System.Globalization;
using System.Threading.RateLimiting;
using MaaS.Gateway.Hosting;
using MaaS.Gateway.Identity;
using Microsoft.AspNetCore.RateLimiting;

namespace MaaS.Gateway.RateLimiting;

/// <summary>A token bucket: <see cref="PermitsPerSecond"/> refill rate, <see cref="Burst"/> requests at once.</summary>
public sealed class BucketOptions
{
    public int PermitsPerSecond { get; set; }

    public int Burst { get; set; }

    public TokenBucketRateLimiterOptions ToLimiter() => new()
    {
        TokenLimit = Math.Max(1, Burst),
        TokensPerPeriod = Math.Max(1, PermitsPerSecond),
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}

/// <summary>
/// Limits per caller, from configuration (<c>Gateway:RateLimits</c>). The defaults are far above what
/// <c>./maas bench ingest</c> sends, so they stop runaway clients, not load tests.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "Gateway:RateLimits";

    public bool Enabled { get; set; } = true;

    /// <summary>Per authenticated member (API key or OIDC token), every route.</summary>
    public BucketOptions Member { get; set; } = new() { PermitsPerSecond = 500, Burst = 1000 };

    /// <summary>Per client address, for calls without credentials other than telemetry ingest.</summary>
    public BucketOptions Anonymous { get; set; } = new() { PermitsPerSecond = 200, Burst = 400 };

    /// <summary>
    /// Per client address on <c>POST /api/telemetry/readings</c>, which carries no credentials: one address may front many
    /// IoT boxes. The per-device limit is Telemetry's, keyed by the key that signed the readings (<c>Telemetry:DeviceRateLimit</c>):
    /// only a signature proves which device sent a request, and the gateway does not check signatures.
    /// </summary>
    public BucketOptions IngestPerAddress { get; set; } = new() { PermitsPerSecond = 50_000, Burst = 50_000 };
}

public static class RateLimits
{
    public static IServiceCollection AddGatewayRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        services.AddSingleton(options);
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PerCaller(options);
            o.OnRejected = (context, _) => Reject(context);
        });
        return services;
    }

    private static bool IsIngest(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path.Equals("/api/telemetry/readings", StringComparison.OrdinalIgnoreCase);

    private static string Address(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static PartitionedRateLimiter<HttpContext> PerCaller(RateLimitOptions options) => PartitionedRateLimiter.Create<HttpContext, string>(context =>
    {
        if (!options.Enabled || !context.Request.Path.StartsWithSegments("/api")) return RateLimitPartition.GetNoLimiter("unlimited");
        if (context.Caller() is { } member) return RateLimitPartition.GetTokenBucketLimiter($"member:{member.MemberId}", _ => options.Member.ToLimiter());
        return IsIngest(context.Request)
            ? RateLimitPartition.GetTokenBucketLimiter($"ingest:{Address(context)}", _ => options.IngestPerAddress.ToLimiter())
            : RateLimitPartition.GetTokenBucketLimiter($"anonymous:{Address(context)}", _ => options.Anonymous.ToLimiter());
    });

    private static ValueTask Reject(OnRejectedContext context)
    {
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
        context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return new ValueTask(GatewayProblems.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "rate-limited",
            $"Too many requests from this caller; retry after {seconds} s.", p => p.Extensions["retryAfterSeconds"] = seconds));
    }
}
