using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MaaS.ServiceDefaults.Hosting;

namespace MaaS.ServiceDefaults.Messaging;

public static class MessagingExtensions
{
    /// <summary>
    /// MassTransit on RabbitMQ, host from <c>ConnectionStrings:RabbitMq</c> (an amqp:// URI).
    /// Queues are prefixed with the service name, so each service gets its own copy of an event
    /// while instances of one service compete for it (that is how Telemetry scales out).
    /// </summary>
    public static WebApplicationBuilder AddMessaging(this WebApplicationBuilder builder)
    {
        var uri = new Uri(builder.Configuration.GetConnectionString("RabbitMq")
            ?? throw new InvalidOperationException("ConnectionStrings:RabbitMq is not configured (an amqp://user:pass@host:port/vhost URI)."));
        var identity = builder.Services.BuildIdentity();

        builder.Services.AddMassTransit(bus =>
        {
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(identity.Name, includeNamespace: false));
            // MassTransit 8.4+ reports anonymous usage to usage-tracking.masstransit.io; a consortium node phones home to no one
            // (and here it only logged a failed DNS lookup per start).
            bus.ConfigureUsageTelemetryOptions(options => options.Enabled = false);
            bus.AddConsumers(typeof(MessagingExtensions).Assembly, identity.Assembly);
            bus.UsingRabbitMq((context, rabbit) =>
            {
                var (user, password) = ParseUserInfo(uri);
                var virtualHost = uri.AbsolutePath.Trim('/') is { Length: > 0 } vh ? Uri.UnescapeDataString(vh) : "/";
                rabbit.Host(uri.Host, (ushort)(uri.IsDefaultPort ? 5672 : uri.Port), virtualHost, h =>
                {
                    h.Username(user);
                    h.Password(password);
                });
                rabbit.UseMessageRetry(r => r.Exponential(5, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200)));
                rabbit.ConfigureEndpoints(context);
            });
        });
        builder.Services.AddHostedService<QueueDepth>();
        // Start the bus before the web host answers, so a ready service can always publish.
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });
        // The host must give the bus its whole StopTimeout: cut short, the container is disposed under consumers still
        // running, and their messages fault into error queues instead of going back to their queues.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(45));
        return builder;
    }

    private static (string User, string Password) ParseUserInfo(Uri uri)
    {
        if (string.IsNullOrEmpty(uri.UserInfo)) return ("guest", "guest");
        var parts = uri.UserInfo.Split(':', 2);
        return (Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "");
    }

    internal static ServiceIdentity BuildIdentity(this IServiceCollection services) =>
        services.LastOrDefault(d => d.ServiceType == typeof(ServiceIdentity))?.ImplementationInstance as ServiceIdentity
        ?? throw new InvalidOperationException("Call AddServiceDefaults before AddMessaging or AddEventStore.");
}
