using System.Reflection;
using System.Text.Json;
using FluentValidation;
using MaaS.Chain.Node;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MaaS.ServiceDefaults.Diagnostics;
using MaaS.ServiceDefaults.Observability;
using MaaS.ServiceDefaults.OpenApi;
using Microsoft.Extensions.Logging;

namespace MaaS.ServiceDefaults.Hosting;

/// <summary>The hosting set-up every service shares: logs, traces and metrics, errors, health, OpenAPI, the chain node.</summary>
public static class ServiceDefaultsExtensions
{
    public const string LiveTag = "live";
    public const string ReadyTag = "ready";

    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string serviceName, Assembly serviceAssembly)
    {
        var identity = new ServiceIdentity(serviceName, $"{serviceName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}", serviceAssembly);
        builder.Services.AddSingleton(identity);
        builder.Services.AddSingleton(TimeProvider.System);

        // One JSON object per line: structured logs that any collector can parse, scopes included.
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });

        // Enums travel as their names (a status "Final" reads better than 2, and survives reordering).
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ProblemDetailsEnricher.Enrich);
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.AddOpenApi(o => o.AddAuthorizationDescription());
        builder.Services.AddValidatorsFromAssemblies([typeof(ServiceDefaultsExtensions).Assembly, serviceAssembly], includeInternalTypes: true);
        builder.Services.AddChainNode(builder.Configuration);
        builder.AddMemberIdentity();
        builder.AddObservability(serviceName);

        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(identity.InstanceId), tags: [LiveTag])
            .AddCheck<EvmNodeHealthCheck>("evm-node", tags: [ReadyTag]);
        // PostgreSQL and RabbitMQ checks are added with the event store and the bus, which own those connections.
        return builder;
    }

    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        app.UseObservability();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains(LiveTag), ResponseWriter = WriteHealthJson });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteHealthJson });
        app.MapDiagnostics();
        return app;
    }

    private static readonly JsonSerializerOptions HealthJson = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    /// <summary>Says which check failed and why, so that <c>./maas status</c> and the gateway can tell the operator.</summary>
    private static Task WriteHealthJson(HttpContext context, HealthReport report)
    {
        var identity = context.RequestServices.GetRequiredService<ServiceIdentity>();
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            service = identity.Name,
            instance = identity.InstanceId,
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description ?? e.Value.Exception?.Message,
                durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
            }),
        }, HealthJson));
    }
}
