using System.Net.Http.Headers;
using MaaS.ServiceDefaults.Identity;

namespace MaaS.Testing;

/// <summary>Adds a freshly minted identity to every request, as the gateway does (tokens live minutes; test classes may run longer).</summary>
public sealed class IdentityHandler(IdentityTokens tokens, MemberIdentity member) : DelegatingHandler(new HttpClientHandler())
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.Mint(member));
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>Identities for tests that call services directly.</summary>
public static class TestMembers
{
    public static MemberIdentity Operator { get; } = new(Guid.Parse("00000000-0000-7000-8000-000000000001"), "test operator", MemberRoles.Operator, "0x0000000000000000000000000000000000000001", KeyScope.Write);

    public static MemberIdentity Reader { get; } = Operator with { Name = "test reader", Scope = KeyScope.Read };
}
