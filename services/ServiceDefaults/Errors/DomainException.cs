using Microsoft.AspNetCore.Http;

namespace MaaS.ServiceDefaults.Errors;

/// <summary>
/// A refusal the caller can act on. The handler turns it into an RFC 9457 problem with this status;
/// <see cref="Code"/> becomes the problem type so clients can branch on it without parsing text.
/// </summary>
public class DomainException(int status, string code, string detail) : Exception(detail)
{
    public int Status { get; } = status;
    public string Code { get; } = code;

    public static DomainException NotFound(string what, object id) =>
        new(StatusCodes.Status404NotFound, "not-found", $"{what} '{id}' does not exist or is not visible to you.");

    public static DomainException Conflict(string code, string detail) => new(StatusCodes.Status409Conflict, code, detail);

    public static DomainException Unprocessable(string code, string detail) => new(StatusCodes.Status422UnprocessableEntity, code, detail);

    public static DomainException Forbidden(string detail) => new(StatusCodes.Status403Forbidden, "forbidden", detail);

    public static DomainException PreconditionFailed(string detail) => new(StatusCodes.Status412PreconditionFailed, "precondition-failed", detail);
}
