using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;

namespace MaaS.Gateway.Events.PartnerQueues;

/// <summary>The broker could not be changed (management API down or refusing).</summary>
public sealed class BrokerRefusedException(string message) : Exception(message);

/// <summary>
/// Partner users and queues, made through RabbitMQ's management HTTP API (AMQP cannot create users). A partner user
/// may read its own queue and nothing else: configure <c>^$</c> (declares nothing), write <c>^$</c> (publishes and binds
/// nothing), read <c>^&lt;its queue&gt;$</c> (basic.consume and basic.get need read on the queue; a passive declare of it works too).
/// </summary>
public sealed class RabbitManagement(IHttpClientFactory clients, BrokerSettings broker, EventsOptions options)
{
    public const string ClientName = "rabbitmq-management";

    public static string QueueFor(Guid subscriptionId) => $"maas.partner.{subscriptionId:N}";

    public static string UserFor(Guid subscriptionId) => $"maas-partner-{subscriptionId:N}";

    public async Task CreatePartnerAsync(string user, string password, string queue, CancellationToken ct)
    {
        var vhost = Uri.EscapeDataString(broker.VirtualHost);
        // reject-publish: a full queue nacks the gateway's publish, so the delivery is retried and finally dead-lettered, never dropped silently.
        await SendAsync(HttpMethod.Put, $"api/queues/{vhost}/{Uri.EscapeDataString(queue)}",
            System.Text.Json.JsonSerializer.Serialize(new
            {
                durable = true,
                auto_delete = false,
                arguments = new Dictionary<string, object> { ["x-queue-type"] = "classic", ["x-max-length"] = options.QueueMaxLength, ["x-overflow"] = "reject-publish" },
            }), ct);
        await SendAsync(HttpMethod.Put, $"api/users/{Uri.EscapeDataString(user)}",
            System.Text.Json.JsonSerializer.Serialize(new { password, tags = "" }), ct);
        await SendAsync(HttpMethod.Put, $"api/permissions/{vhost}/{Uri.EscapeDataString(user)}",
            System.Text.Json.JsonSerializer.Serialize(new { configure = "^$", write = "^$", read = "^" + Regex.Escape(queue) + "$" }), ct);
    }

    /// <summary>Deletes the user (its permissions go with it) and the queue; what is already gone is fine.</summary>
    public async Task RemovePartnerAsync(string? user, string? queue, CancellationToken ct)
    {
        if (user is not null) await SendAsync(HttpMethod.Delete, $"api/users/{Uri.EscapeDataString(user)}", null, ct, allowMissing: true);
        if (queue is not null) await SendAsync(HttpMethod.Delete, $"api/queues/{Uri.EscapeDataString(broker.VirtualHost)}/{Uri.EscapeDataString(queue)}", null, ct, allowMissing: true);
    }

    private async Task SendAsync(HttpMethod method, string path, string? json, CancellationToken ct, bool allowMissing = false)
    {
        var client = clients.CreateClient(ClientName);
        using var request = new HttpRequestMessage(method, new Uri(broker.Management, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{broker.ManagementUser}:{broker.ManagementPassword}")));
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw new BrokerRefusedException($"The RabbitMQ management API at {broker.Management} cannot be reached: {ex.Message}");
        }
        using (response)
        {
            if (response.IsSuccessStatusCode || (allowMissing && response.StatusCode == HttpStatusCode.NotFound)) return;
            throw new BrokerRefusedException($"RabbitMQ management refused {method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }
    }
}
