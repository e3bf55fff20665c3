using System.Threading.RateLimiting;

namespace MaaS.Telemetry.Ingesting;

/// <summary>A device's request budget: <see cref="PermitsPerSecond"/> refill rate, <see cref="Burst"/> requests at once.</summary>
public sealed class DeviceRateLimitOptions
{
    public bool Enabled { get; set; } = true;

    public int PermitsPerSecond { get; set; } = 100;

    public int Burst { get; set; } = 200;
}

/// <summary>
/// Limits readings requests per device, keyed by the address its signature recovers to. The gateway cannot do this: it
/// sees only what the client claims, and a limit keyed by a claimed machine id lets a stranger spend a victim's budget
/// (or dodge its own by claiming nothing). A signature recovers to the signer's own key only, so one device's runaway
/// loop is throttled while every other device, and anyone forging requests, is untouched. The check is CPU only and comes
/// before the database; a signature that recovers to no registered device is refused there (401) and its budget is
/// never shared with a real device. Each Telemetry instance keeps its own buckets, so behind K instances a device gets
/// up to K times the budget.
/// </summary>
public sealed class DeviceRateLimit(TelemetryOptions options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> limiter = PartitionedRateLimiter.Create<string, string>(device =>
        RateLimitPartition.GetTokenBucketLimiter(device, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, options.DeviceRateLimit.Burst),
            TokensPerPeriod = Math.Max(1, options.DeviceRateLimit.PermitsPerSecond),
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>Null when the device may go on; otherwise how long it should wait.</summary>
    public TimeSpan? Refuse(string? signer)
    {
        if (!options.DeviceRateLimit.Enabled || signer is null) return null;
        using var lease = limiter.AttemptAcquire(signer);
        if (lease.IsAcquired) return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
    }

    public void Dispose() => limiter.Dispose();
}
