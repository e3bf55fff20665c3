using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MaaS.ServiceDefaults.Hosting;
using MaaS.ServiceDefaults.Observability;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MaaS.ServiceDefaults.Messaging;

/// <summary>
/// The gauge <c>maas.queue.messages</c>: messages waiting in each of this service's RabbitMQ queues, read from the
/// management API every <see cref="Interval"/> (AMQP itself tells a queue's depth only to one who declares it).
/// The API is <c>RabbitMq:ManagementUrl</c>, or port 15672 of the broker with the AMQP credentials.
/// </summary>
public sealed class QueueDepth : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);
    private readonly ConcurrentDictionary<string, long> depths = new();
    private readonly HttpClient client;
    private readonly string virtualHost;
    private readonly string prefix;
    private readonly ILogger<QueueDepth> logger;

    public QueueDepth(IConfiguration configuration, ServiceIdentity service, ILogger<QueueDepth> logger)
    {
        this.logger = logger;
        var amqp = new Uri(configuration.GetConnectionString("RabbitMq")!);
        var management = configuration["RabbitMq:ManagementUrl"] is { Length: > 0 } url ? new Uri(url) : new UriBuilder("http", amqp.Host, 15672) { UserName = amqp.UserInfo.Split(':')[0], Password = amqp.UserInfo.Split(':').ElementAtOrDefault(1) }.Uri;
        var credentials = string.IsNullOrEmpty(management.UserInfo) ? amqp.UserInfo : management.UserInfo;
        client = new HttpClient { BaseAddress = new Uri(management.GetLeftPart(UriPartial.Authority) + "/"), Timeout = TimeSpan.FromSeconds(5) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(string.IsNullOrEmpty(credentials) ? "guest:guest" : credentials))));
        virtualHost = amqp.AbsolutePath.Trim('/') is { Length: > 0 } vh ? Uri.UnescapeDataString(vh) : "/";
        prefix = service.Name + "-";
        MaaSMetrics.Meter.CreateObservableGauge("maas.queue.messages",
            () => depths.Select(d => new Measurement<long>(d.Value, new KeyValuePair<string, object?>("queue", d.Key))), "{message}",
            "Messages waiting in the service's RabbitMQ queues");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                var queues = await client.GetFromJsonAsync<JsonElement>($"api/queues/{Uri.EscapeDataString(virtualHost)}?columns=name,messages", stoppingToken);
                foreach (var queue in queues.EnumerateArray())
                {
                    var name = queue.GetProperty("name").GetString() ?? "";
                    if (name.StartsWith(prefix, StringComparison.Ordinal))
                        depths[name] = queue.TryGetProperty("messages", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt64() : 0;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException && !stoppingToken.IsCancellationRequested)
            {
                logger.LogDebug(ex, "Queue depths unavailable from the RabbitMQ management API");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override void Dispose()
    {
        client.Dispose();
        base.Dispose();
    }
}
