using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MaaS.ServiceDefaults.Identity;

public static class IdentityExtensions
{
    /// <summary>Services accept only identities minted by the gateway (see <see cref="IdentityTokens"/>).</summary>
    public static WebApplicationBuilder AddMemberIdentity(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(IdentityOptions.Section).Get<IdentityOptions>() ?? new IdentityOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<IdentityTokens>();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = options.ValidationParameters();
            o.Events = new JwtBearerEvents
            {
                // Answer 401/403 as problems, like every other error.
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    await WriteProblem(context.HttpContext, StatusCodes.Status401Unauthorized, "unauthenticated",
                        "Authenticate with an API key (header X-Api-Key) through the gateway.");
                },
                OnForbidden = context => WriteProblem(context.HttpContext, StatusCodes.Status403Forbidden, "forbidden",
                    "Your role does not allow this operation."),
            };
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(nameof(MemberRoles.Operator), p => p.RequireRole("operator"))
            .AddPolicy(nameof(MemberRoles.Oem), p => p.RequireRole("oem"))
            .AddPolicy(nameof(MemberRoles.Customer), p => p.RequireRole("customer"))
            .AddPolicy(nameof(MemberRoles.Maintainer), p => p.RequireRole("maintainer"))
            .AddPolicy(nameof(MemberRoles.Gateway), p => p.RequireRole("gateway"))
            .AddPolicy("Member", p => p.RequireAuthenticatedUser())
            .AddPolicy("Write", p => p.RequireAuthenticatedUser().RequireClaim(MemberIdentity.ScopeClaim, "write"));
        return builder;
    }

    /// <summary>The authenticated member of this request; throws if the endpoint did not require authentication.</summary>
    public static MemberIdentity Member(this HttpContext context) =>
        MemberIdentity.FromPrincipal(context.User) ?? throw new InvalidOperationException("The endpoint did not require an authenticated member.");

    private static Task WriteProblem(HttpContext http, int status, string code, string detail)
    {
        http.Response.StatusCode = status;
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = { Status = status, Title = status == 401 ? "Authentication is required." : "You are not allowed to do this.", Detail = detail,
                Type = Errors.ProblemExceptionHandler.TypeBase + code },
        }).AsTask();
    }
}

/// <summary>Authorization policy names: one per role, plus any member and write scope.</summary>
public static class Policies
{
    public const string Operator = nameof(MemberRoles.Operator);
    public const string Oem = nameof(MemberRoles.Oem);
    public const string Customer = nameof(MemberRoles.Customer);
    public const string Maintainer = nameof(MemberRoles.Maintainer);
    public const string Gateway = nameof(MemberRoles.Gateway);
    public const string Member = "Member";
    public const string Write = "Write";
}
