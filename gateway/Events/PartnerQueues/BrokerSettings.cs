namespace MaaS.Gateway.Events.PartnerQueues;

/// <summary>
/// The services' RabbitMQ as the gateway reaches it: AMQP from <c>ConnectionStrings:RabbitMq</c> (amqp://user:pass@host:port/vhost),
/// the management HTTP API from <c>RabbitMq:ManagementUrl</c> (http://user:pass@host:port/; port 15672 of the broker with the
/// AMQP credentials when absent), as the services' queue-depth gauge reads it.
/// </summary>
public sealed record BrokerSettings(string Host, int Port, string VirtualHost, string User, string Password, Uri Management, string ManagementUser, string ManagementPassword)
{
    public static BrokerSettings From(Uri amqp, string? managementUrl)
    {
        var (user, password) = UserInfo(amqp, ("guest", "guest"));
        var virtualHost = amqp.AbsolutePath.Trim('/') is { Length: > 0 } vh ? Uri.UnescapeDataString(vh) : "/";
        var management = managementUrl is { Length: > 0 } url ? new Uri(url) : new UriBuilder("http", amqp.Host, 15672).Uri;
        var (managementUser, managementPassword) = UserInfo(management, (user, password));
        return new BrokerSettings(amqp.Host, amqp.IsDefaultPort || amqp.Port < 0 ? 5672 : amqp.Port, virtualHost, user, password,
            new Uri(management.GetLeftPart(UriPartial.Authority) + "/"), managementUser, managementPassword);
    }

    private static (string, string) UserInfo(Uri uri, (string, string) otherwise)
    {
        if (string.IsNullOrEmpty(uri.UserInfo)) return otherwise;
        var parts = uri.UserInfo.Split(':', 2);
        return (Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "");
    }
}
