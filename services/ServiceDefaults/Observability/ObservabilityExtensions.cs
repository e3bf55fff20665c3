using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MaaS.ServiceDefaults.Observability;

/// <summary>
/// OpenTelemetry for the gateway and every service: traces of requests, outgoing HTTP, the outbox and MassTransit
/// (so one trace runs gateway → service → RabbitMQ → the next service), metrics on a Prometheus scrape endpoint
/// (<c>/metrics</c>), and OTLP export of both when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
public static class ObservabilityExtensions
{
    public static WebApplicationBuilder AddObservability(this WebApplicationBuilder builder, string serviceName)
    {
        // Every log line written under an activity carries its trace and span ids (the JSON console prints scopes).
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        builder.Services.AddSingleton<MaaSMetrics>();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithTracing(t =>
            {
                t.AddSource("Microsoft.AspNetCore", "System.Net.Http", "MassTransit", OutboxTracing.SourceName);
                if (otlp) t.AddOtlpExporter();
            })
            .WithMetrics(m =>
            {
                m.AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.RateLimiting",
                    "System.Net.Http", "MassTransit", MaaSMetrics.MeterName);
                m.AddPrometheusExporter();
                if (otlp) m.AddOtlpExporter();
            });
        return builder;
    }

    /// <summary>The correlation id of every request in the log scope and the response; then the scrape endpoint.</summary>
    /// <param name="mapMetrics">False where the host maps <c>/metrics</c> itself (the gateway protects its own).</param>
    public static WebApplication UseObservability(this WebApplication app, bool mapMetrics = true)
    {
        app.UseMiddleware<CorrelationMiddleware>();
        if (mapMetrics) app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}

/// <summary>
/// A correlation id per request: the caller's <c>X-Correlation-Id</c> when it gives a sane one, else the trace id. It
/// is in the log scope of every line the request writes, in every problem answer and in the response header; the
/// gateway passes it on to the services.
/// </summary>
public sealed class CorrelationMiddleware(RequestDelegate next, ILogger<CorrelationMiddleware> logger)
{
    public const string Header = "X-Correlation-Id";
    public const string ItemKey = "CorrelationId";

    public async Task InvokeAsync(HttpContext context)
    {
        var given = context.Request.Headers[Header].ToString();
        var id = given.Length is > 0 and <= 128 && given.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')
            ? given
            : Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;
        context.Items[ItemKey] = id;
        context.Request.Headers[Header] = id;
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[Header] = id;
            return Task.CompletedTask;
        });
        Activity.Current?.SetTag("maas.correlation_id", id);
        using (logger.BeginScope(new Dictionary<string, object> { [ItemKey] = id }))
            await next(context);
    }

    public static string? Of(HttpContext context) => context.Items[ItemKey] as string;
}
