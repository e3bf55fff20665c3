using System.Text.Json.Nodes;
using MaaS.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace MaaS.ServiceDefaults.OpenApi;

/// <summary>
/// Writes on every operation who may call it, read from the endpoint's own authorization metadata (the policies given
/// to <c>RequireAuthorization</c>, or <c>AllowAnonymous</c>), so the document cannot drift from what the service
/// enforces: the extension <c>x-maas-authorization</c> (<c>anonymous</c>, <c>roles</c>, <c>scope</c>), the standard
/// <c>security</c> requirement and the 401/403 problem answers. The gateway's authorisation matrix test calls every
/// operation as every role from this declaration. An endpoint that declares neither gets no extension, and the matrix
/// test fails on it: every public endpoint must say who it is for.
/// </summary>
public static class AuthorizationInOpenApi
{
    public const string Extension = "x-maas-authorization";

    /// <summary>The schemes callers use at the gateway (the merged document defines them the same way).</summary>
    public const string ApiKeyScheme = "apiKey";

    public const string BearerScheme = "bearer";

    private static readonly string[] AnyMember = ["operator", "oem", "customer", "maintainer"];

    private static readonly Dictionary<string, string> RoleOfPolicy = new(StringComparer.Ordinal)
    {
        [Policies.Operator] = "operator",
        [Policies.Oem] = "oem",
        [Policies.Customer] = "customer",
        [Policies.Maintainer] = "maintainer",
        [Policies.Gateway] = "gateway",
    };

    public static OpenApiOptions AddAuthorizationDescription(this OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "X-Api-Key", Description = "A member's API key (maas_…), at the gateway.",
            };
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "An API key or an OIDC access token at the gateway; the gateway's signed identity at a service.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer(DescribeAsync);
        return options;
    }

    private static async Task DescribeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().Distinct().ToList();
        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        // Neither: the endpoint never said who it is for; leave it undeclared so the matrix test names it.
        if (!anonymous && policies.Count == 0 && !metadata.OfType<IAuthorizeData>().Any()) return;

        var roles = anonymous ? [] : policies.Where(RoleOfPolicy.ContainsKey).Select(p => RoleOfPolicy[p]).Distinct().ToArray();
        if (!anonymous && roles.Length == 0) roles = AnyMember;
        var write = policies.Contains(Policies.Write, StringComparer.Ordinal);
        await DeclareAsync(operation, context, anonymous, roles, write, ct);
    }

    /// <summary>
    /// An operation transformer for endpoints that check the caller themselves (the gateway's own, behind its caller
    /// authentication): any member, reads with a read scope, everything else write. Endpoints with policies keep theirs.
    /// </summary>
    public static OpenApiOptions DeclareAnyMemberWhereUndeclared(this OpenApiOptions options)
    {
        options.AddOperationTransformer(async (operation, context, ct) =>
        {
            if (operation.Extensions?.ContainsKey(Extension) == true) return;
            var read = context.Description.HttpMethod is "GET" or "HEAD";
            await DeclareAsync(operation, context, anonymous: false, AnyMember, write: !read, ct);
        });
        return options;
    }

    private static async Task DeclareAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, bool anonymous, string[] roles, bool write, CancellationToken ct)
    {
        operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
        operation.Extensions[Extension] = new JsonNodeExtension(new JsonObject
        {
            ["anonymous"] = anonymous,
            ["roles"] = new JsonArray([.. roles.Select(r => (JsonNode)r)]),
            ["scope"] = anonymous ? null : write ? "write" : "read",
        });

        if (anonymous)
        {
            // An empty list overrides the document's global requirement: no credential is needed.
            operation.Security = [];
            return;
        }
        operation.Security =
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [] },
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] },
        ];
        var problem = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, ct);
        operation.Responses ??= [];
        operation.Responses.TryAdd("401", Problem("No credential, or one the gateway does not accept (unknown, expired or revoked key; invalid token).", problem));
        // Any credential may be read-only, and the gateway refuses it every write; a role-bound operation refuses other roles.
        var refusedFor = new List<string>();
        if (roles.Length < AnyMember.Length) refusedFor.Add("a member without the role " + string.Join(" or ", roles));
        if (write) refusedFor.Add("a read-only credential");
        if (refusedFor.Count > 0) operation.Responses.TryAdd("403", Problem("Refused to " + string.Join(", and to ", refusedFor) + ".", problem));
    }

    private static OpenApiResponse Problem(string description, IOpenApiSchema schema) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = schema } },
    };
}
