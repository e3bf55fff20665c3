namespace MaaS.Gateway.Hosting;

public static class GatewayDefaults
{
    /// <summary>Structured JSON logs and RFC 9457 problems, as in every service.</summary>
    public static WebApplicationBuilder AddGatewayDefaults(this WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            c.ProblemDetails.Instance ??= c.HttpContext.Request.Path;
            c.ProblemDetails.Extensions["traceId"] = System.Diagnostics.Activity.Current?.Id ?? c.HttpContext.TraceIdentifier;
        });
        builder.Services.AddOpenApi();
        return builder;
    }
}
