using MaaS.ServiceDefaults.Observability;

namespace MaaS.Gateway.Hosting;

public static class GatewayDefaults
{
    /// <summary>Structured JSON logs, traces and metrics, and RFC 9457 problems, as in every service.</summary>
    public static WebApplicationBuilder AddGatewayDefaults(this WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        builder.AddObservability("gateway");
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            c.ProblemDetails.Instance ??= c.HttpContext.Request.Path;
            c.ProblemDetails.Extensions["traceId"] = System.Diagnostics.Activity.Current?.Id ?? c.HttpContext.TraceIdentifier;
            if (CorrelationMiddleware.Of(c.HttpContext) is { } correlation) c.ProblemDetails.Extensions["correlationId"] = correlation;
        });
        return builder;
    }

    /// <summary>Correlation ids, and the ingest rate counted at the door (<c>/metrics</c> is mapped by <c>UseProtectedMetrics</c>).</summary>
    public static WebApplication UseGatewayDefaults(this WebApplication app)
    {
        app.UseObservability(mapMetrics: false);
        app.Use(async (context, next) =>
        {
            await next(context);
            if (HttpMethods.IsPost(context.Request.Method) && context.Request.Path.Equals("/api/telemetry/readings", StringComparison.OrdinalIgnoreCase))
                MaaSMetrics.IngestRequests.Add(1, new KeyValuePair<string, object?>("status", context.Response.StatusCode));
        });
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }
}
