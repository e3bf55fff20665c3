using FluentValidation;
using JasperFx;
using MaaS.Chain.Transactions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace MaaS.ServiceDefaults.Errors;

/// <summary>The one place where exceptions become RFC 9457 problem responses.</summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public const string TypeBase = "https://maas.services/problems/";

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails problem = exception switch
        {
            ValidationException v => new HttpValidationProblemDetails(
                v.Errors.GroupBy(e => e.PropertyName).ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).ToArray()))
            {
                Status = StatusCodes.Status400BadRequest, Title = "The request is invalid.", Type = TypeBase + "validation",
            },
            DomainException d => new ProblemDetails { Status = d.Status, Title = Titles(d.Status), Detail = d.Message, Type = TypeBase + d.Code },
            ConcurrencyException => new ProblemDetails
            {
                Status = StatusCodes.Status412PreconditionFailed, Title = Titles(412), Type = TypeBase + "precondition-failed",
                Detail = "The resource changed since you read it; fetch it again and retry with its current ETag.",
            },
            ChainRevertException revert => new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict, Title = "The contract refused the transaction.", Type = TypeBase + "contract-refused",
                Detail = $"The smart contract refused it with {revert.Description}; nothing was sent.",
                Extensions = { ["revert"] = revert.ErrorName, ["arguments"] = revert.Arguments },
            },
            BadHttpRequestException b => new ProblemDetails
            {
                Status = b.StatusCode, Title = Titles(b.StatusCode), Detail = b.Message, Type = TypeBase + "bad-request",
            },
            _ => new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError, Title = Titles(500), Type = TypeBase + "internal",
                Detail = "An unexpected error occurred; the trace id identifies it in the service log.",
            },
        };
        if (problem.Status >= 500)
            logger.LogError(exception, "Unhandled exception on {Method} {Path}", http.Request.Method, http.Request.Path);
        else
            logger.LogInformation("Refused {Method} {Path}: {Status} {Detail}", http.Request.Method, http.Request.Path, problem.Status, problem.Detail ?? problem.Title);

        http.Response.StatusCode = problem.Status ?? 500;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }

    private static string Titles(int status) => status switch
    {
        400 => "The request is invalid.",
        401 => "Authentication is required.",
        403 => "You are not allowed to do this.",
        404 => "Not found.",
        409 => "The request conflicts with the current state.",
        412 => "The precondition failed.",
        413 => "The request is too large.",
        422 => "The request cannot be processed.",
        _ => "The request failed.",
    };
}
