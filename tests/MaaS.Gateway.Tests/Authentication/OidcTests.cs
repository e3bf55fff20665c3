using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using Shouldly;

namespace MaaS.Gateway.Tests.Authentication;

[Collection(GatewayCollection.Name)]
[Trait("Category", "Integration")]
public sealed class OidcTests(GatewayFixture fixture)
{
    private string OperatorAccount => fixture.Environment.Operator.GetPublicAddress();

    [Fact]
    public async Task IssuerToken_NamingAMembersAccount_IsThatMember_WithReadScope()
    {
        using var client = fixture.WithBearer(fixture.Issuer.Token(OperatorAccount, "openid maas.read"));
        var me = await (await client.GetAsync("/api/machines/members/me")).ShouldBeAsync(HttpStatusCode.OK);
        me.GetProperty("account").GetString().ShouldBe(OperatorAccount, StringCompareShould.IgnoreCase);

        using var write = await client.PostAsJsonAsync("/api/machines/diagnostics/pings", new { note = "oidc read" });
        await write.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "read-only-credential");
    }

    [Fact]
    public async Task IssuerToken_WithWriteScope_Writes()
    {
        var me = await (await fixture.Operator.GetAsync("/api/machines/members/me")).ShouldBeAsync(HttpStatusCode.OK);
        using var client = fixture.WithBearer(fixture.Issuer.Token(me.GetProperty("id").GetString()!, "maas.write"));
        using var write = await client.PostAsJsonAsync("/api/machines/diagnostics/pings", new { note = "oidc write" });
        await write.ShouldBeAsync(HttpStatusCode.Accepted);
    }

    public static TheoryData<string> Forgeries => ["other-key", "other-issuer", "other-audience", "unknown-member"];

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task Token_NotFromTheIssuer_OrForNobody_Is401(string forgery)
    {
        var token = forgery switch
        {
            "other-key" => fixture.Issuer.Token(OperatorAccount, "maas.write", signWith: new RsaSecurityKey(RSA.Create(2048)) { KeyId = "test-key-1" }),
            "other-issuer" => fixture.Issuer.Token(OperatorAccount, "maas.write", issuer: "https://evil.example"),
            "other-audience" => fixture.Issuer.Token(OperatorAccount, "maas.write", audience: "someone-else"),
            _ => fixture.Issuer.Token("0x000000000000000000000000000000000000dead", "maas.write"),
        };
        using var client = fixture.WithBearer(token);
        using var response = await client.GetAsync("/api/machines/members/me");
        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }
}
