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
    /// Per device on <c>POST /api/telemetry/readings</c>, keyed by the <c>X-Machine-Id</c> header: the machine id is
    /// in the signed body too, but parsing every body at the gateway would cost what ingest is optimised to avoid.
    /// </summary>
    public BucketOptions Device { get; set; } = new() { PermitsPerSecond = 200, Burst = 400 };

    /// <summary>Per client address on ingest, whether or not it names the machine: one address may front many IoT boxes.</summary>
    public BucketOptions IngestPerAddress { get; set; } = new() { PermitsPerSecond = 50_000, Burst = 50_000 };
}

public static class RateLimits
{
    public const string MachineIdHeader = "X-Machine-Id";

    public static IServiceCollection AddGatewayRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        services.AddSingleton(options);
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.CreateChained(PerCaller(options), PerDevice(options));
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

    private static PartitionedRateLimiter<HttpContext> PerDevice(RateLimitOptions options) => PartitionedRateLimiter.Create<HttpContext, string>(context =>
        options.Enabled && IsIngest(context.Request) && context.Request.Headers[MachineIdHeader].ToString() is { Length: > 0 and <= 64 } machine
            ? RateLimitPartition.GetTokenBucketLimiter($"device:{machine.ToLowerInvariant()}", _ => options.Device.ToLimiter())
            : RateLimitPartition.GetNoLimiter("no-device"));

    private static ValueTask Reject(OnRejectedContext context)
    {
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
        context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return new ValueTask(GatewayProblems.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "rate-limited",
            $"Too many requests from this caller; retry after {seconds} s.", p => p.Extensions["retryAfterSeconds"] = seconds));
    }
}
