namespace MaaS.Telemetry;

/// <summary>The <c>Telemetry</c> configuration section: ingest limits, sealing, background loops, OEE defaults.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>More readings than this in one request is a 413.</summary>
    public int MaxReadingsPerRequest { get; set; } = 5_000;

    /// <summary>A request body larger than this is a 413 (checked on Content-Length and while reading).</summary>
    public int MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>A reading's <c>ts</c> may be this far ahead of the server clock (device clocks drift).</summary>
    public TimeSpan MaxClockAhead { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A reading's <c>ts</c> may be at most this old (a device catching up after an outage).</summary>
    public TimeSpan MaxReadingAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Readings requests per device (by the key that signed them) and instance; beyond it a 429 with Retry-After.</summary>
    public Ingesting.DeviceRateLimitOptions DeviceRateLimit { get; set; } = new();

    public SealingOptions Sealing { get; set; } = new();

    /// <summary>How often an idle outbox publisher looks for work sealed by another instance (its own work wakes it at once).</summary>
    public TimeSpan PublishPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often every instance looks for machines whose heartbeat is missing.</summary>
    public TimeSpan GapCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The ideal production rate for OEE performance when a request does not give <c>idealRatePerHour</c>.</summary>
    public long IdealRatePerHour { get; set; } = 3_600;
}

public sealed class SealingOptions
{
    /// <summary>A batch is sealed as soon as it holds this many readings.</summary>
    public int MaxReadings { get; set; } = 1_000;

    /// <summary>
    /// A batch's payload (canonical readings joined by <c>\n</c>) never exceeds this: 256 KiB minus room for the
    /// encryption envelope Anchoring adds, so the encrypted batch fits one 262,144-byte UnixFS chunk.
    /// </summary>
    public int MaxBytes { get; set; } = 262_144 - 1_024;

    /// <summary>A batch is sealed once its first reading is this old, however few readings it holds.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often every instance looks for batches past <see cref="MaxAge"/>.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// A published batch that Anchoring has neither anchored nor refused after this long is published again (same message
    /// id; Anchoring stores a batch once). Covers a message lost between the services, e.g. faulted into an error queue.
    /// </summary>
    public TimeSpan RepublishUnsettledAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often every instance looks for unsettled batches.</summary>
    public TimeSpan RepublishCheckInterval { get; set; } = TimeSpan.FromSeconds(30);
}
