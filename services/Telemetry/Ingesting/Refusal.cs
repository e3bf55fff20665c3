using MaaS.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Telemetry.Ingesting;

/// <summary>
/// Why a readings request is refused, as an RFC 9457 problem. The ingest path answers refusals directly instead of
/// throwing: a misbehaving device fleet should not cost an exception per request.
/// </summary>
internal sealed record Refusal(int Status, string Code, string Title, string Detail, IDictionary<string, string[]>? Errors = null)
{
    public static Refusal Malformed(string field, string message) =>
        new(400, "validation", "The request is invalid.", message, new Dictionary<string, string[]> { [field] = [message] });

    public static Refusal OutOfRange(IDictionary<string, string[]> errors, string? detail) =>
        new(422, "reading-out-of-range", "Some readings are out of range.", detail ?? "See errors: nothing of this request was stored.", errors);

    public static Refusal TooLarge(string detail) => new(413, "too-large", "The request is too large.", detail);

    public static Refusal BadSignature() => new(401, "signature-invalid", "The device signature does not verify.",
        "The signature is missing, malformed, or not made by the device key registered for this machine over the canonical bytes of these readings.");

    public static Refusal UnknownMachine(Guid machineId) => new(404, "not-found", "Not found.", $"Machine '{machineId}' is not known to telemetry.");

    public static Refusal NotExecuting(Guid machineId) => new(409, "machine-not-executing", "The machine is not executing.",
        $"Machine '{machineId}' is not started on chain; its readings are refused until it is.");

    public static Refusal TooManyRequests(int retryAfterSeconds) => new(429, "rate-limited", "Too many requests from this device.",
        $"This device sent more readings requests than its budget allows; retry after {retryAfterSeconds} s, or send more readings per request.");

    public ProblemHttpResult ToResult()
    {
        var problem = Errors is null ? new Microsoft.AspNetCore.Mvc.ProblemDetails() : new HttpValidationProblemDetails(Errors);
        problem.Status = Status;
        problem.Title = Title;
        problem.Detail = Detail;
        problem.Type = ProblemExceptionHandler.TypeBase + Code;
        return TypedResults.Problem(problem);
    }
}
