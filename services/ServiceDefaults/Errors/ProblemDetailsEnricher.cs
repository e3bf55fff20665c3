using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Diagnostics;

namespace MaaS.ServiceDefaults.Errors;

internal static class ProblemDetailsEnricher
{
    /// <summary>Every problem names the request path and a trace id that also appears in the logs.</summary>
    public static void Enrich(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        context.ProblemDetails.Instance ??= http.Request.Path;
        context.ProblemDetails.Extensions["traceId"] = Activity.Current?.Id ?? http.TraceIdentifier;
        var correlation = Observability.CorrelationMiddleware.Of(http) ?? http.Request.Headers["X-Correlation-Id"].ToString();
        if (!string.IsNullOrEmpty(correlation)) context.ProblemDetails.Extensions["correlationId"] = correlation;
        if (http.Features.Get<IExceptionHandlerFeature>() is null && context.ProblemDetails.Type is null)
            context.ProblemDetails.Type = $"https://httpstatuses.io/{context.ProblemDetails.Status}";
    }
}
