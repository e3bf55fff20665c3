namespace MaaS.Gateway.Events;

/// <summary>Partner event subscriptions (<c>Gateway:Events</c>): webhook retries, the partners' AMQP endpoint, the SSE keep-alive.</summary>
public sealed class EventsOptions
{
    public const string Section = "Gateway:Events";

    /// <summary>The first retry waits this long; each further one twice as long (capped at <see cref="MaxDelay"/>).</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Attempts (the first included) before a delivery is dead-lettered; a redelivery request grants as many again.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>A receiver must answer within this; a timeout counts as a failed attempt.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Only <c>https://</c> webhook URLs (production); the test and dev profiles post to plain http on loopback.</summary>
    public bool RequireHttps { get; set; }

    /// <summary>
    /// Post to loopback, private and other non-public addresses too. Off by default: a member's URL must not reach the
    /// gateway's own network. <c>./maas</c> turns it on for its stacks, whose receivers run on the same machine.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Base64 of 32 random bytes that seal webhook secrets at rest (see WebhookSecrets); without it they are stored as given.</summary>
    public string? SecretsKey { get; set; }

    /// <summary>How often an idle instance looks for due deliveries (a new event or a redelivery request wakes it at once).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Deliveries one instance claims at a time.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// Events, finished deliveries and their log are kept this long (a dead letter is redeliverable, and a Last-Event-ID
    /// replayable, for as long); a delivery still pending is kept with its event until it is delivered or dead-lettered.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often each instance removes what is older than <see cref="Retention"/>.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>SSE comment lines this often, so proxies and clients see a live connection.</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The broker as partners reach it (host and port handed out with AMQP credentials); the gateway's own broker address when empty.</summary>
    public string? AmqpPublicHost { get; set; }

    public int? AmqpPublicPort { get; set; }

    /// <summary>A partner queue holds at most this many messages; beyond it publishes are refused and deliveries retried, then dead-lettered.</summary>
    public int QueueMaxLength { get; set; } = 100_000;
}
