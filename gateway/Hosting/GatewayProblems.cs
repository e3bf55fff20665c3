namespace MaaS.Gateway.Hosting;

/// <summary>The gateway's own refusals, as RFC 9457 problems like every service's.</summary>
public static class GatewayProblems
{
    public const string TypeBase = "https://maas.services/problems/";

    public static Task WriteAsync(HttpContext context, int status, string code, string detail, Action<Microsoft.AspNetCore.Mvc.ProblemDetails>? extend = null)
    {
        context.Response.StatusCode = status;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = Title(status), Detail = detail, Type = TypeBase + code };
        extend?.Invoke(problem);
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = problem,
        }).AsTask();
    }

    private static string Title(int status) => status switch
    {
        401 => "Authentication is required.",
        403 => "You are not allowed to do this.",
        409 => "The request conflicts with the current state.",
        422 => "The request cannot be processed.",
        429 => "Too many requests.",
        503 => "Service unavailable.",
        _ => "The request failed.",
    };
}
