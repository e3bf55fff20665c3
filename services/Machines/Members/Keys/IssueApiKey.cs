using FluentValidation;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Machines.Members.Keys;

public sealed record IssueApiKeyRequest(KeyScope Scope, string? Name);

public sealed class IssueApiKeyValidator : AbstractValidator<IssueApiKeyRequest>
{
    public IssueApiKeyValidator()
    {
        RuleFor(r => r.Scope).IsInEnum();
        RuleFor(r => r.Name).MaximumLength(100);
    }
}

public static class IssueApiKey
{
    public static RouteGroupBuilder MapIssueApiKey(this RouteGroupBuilder keys)
    {
        // Write scope: a read-only key must not be able to mint itself a write key.
        keys.MapPost("/", Issue).RequireAuthorization(Policies.Member, Policies.Write);
        return keys;
    }

    private static async Task<Created<IssuedApiKeyResponse>> Issue(IssueApiKeyRequest request, HttpContext http, IDocumentSession session, TimeProvider clock, CancellationToken ct)
    {
        var stream = await ApiKeyEndpoints.MemberStreamAsync(session, http.Member(), ct);
        var issued = ApiKeyEndpoints.Issue(session, stream, request.Scope, request.Name, clock.GetUtcNow());
        await session.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/machines/members/me/keys/{issued.KeyId}", issued);
    }
}
