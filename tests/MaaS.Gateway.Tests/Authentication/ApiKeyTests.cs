using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MaaS.Testing;
using Shouldly;

namespace MaaS.Gateway.Tests.Authentication;

[Collection(GatewayCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ApiKeyTests(GatewayFixture fixture)
{
    [Fact]
    public async Task ReadKey_Reads_ButEveryWriteIs403AtTheGateway()
    {
        var (_, key) = await fixture.IssueKeyAsync("read", "reporting");
        using var reader = fixture.WithKey(key);

        var me = await (await reader.GetAsync("/api/machines/members/me")).ShouldBeAsync(HttpStatusCode.OK);
        me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ShouldContain("operator");

        using var write = await reader.PostAsJsonAsync("/api/machines/diagnostics/pings", new { note = "from a read key" });
        await write.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "read-only-credential");
        using var mint = await reader.PostAsJsonAsync("/api/machines/members/me/keys", new { scope = "write" });
        await mint.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "read-only-credential");
    }

    [Fact]
    public async Task IssuedKey_IsListedWithoutItsSecret()
    {
        var (keyId, key) = await fixture.IssueKeyAsync("write", "erp");
        using var response = await fixture.Operator.GetAsync("/api/machines/members/me/keys");
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        body.ShouldNotContain(key);
        var listed = JsonDocument.Parse(body).RootElement.EnumerateArray().Single(k => k.GetProperty("keyId").GetString() == keyId);
        listed.GetProperty("status").GetString().ShouldBe("active");
        listed.GetProperty("scope").GetString().ShouldBe("Write");
        listed.GetProperty("name").GetString().ShouldBe("erp");
    }

    [Fact]
    public async Task RotatedKey_WithOverlap_KeepsWorkingUntilItExpires_AndTheNewOneWorks()
    {
        var (keyId, oldKey) = await fixture.IssueKeyAsync("write");
        using var old = fixture.WithKey(oldKey);
        using var rotation = await old.PostAsJsonAsync($"/api/machines/members/me/keys/{keyId}/rotations", new { overlapSeconds = 2 });
        var rotated = await rotation.ShouldBeAsync(HttpStatusCode.Created);
        rotated.GetProperty("replaced").GetProperty("status").GetString().ShouldBe("expiring");
        using var fresh = fixture.WithKey(rotated.GetProperty("key").GetProperty("apiKey").GetString()!);

        (await fresh.GetAsync("/api/machines/members/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        // The old key stops once the overlap ends (plus the gateway's short cache), never before it is rotated.
        await Eventually.TrueAsync(async () => (await old.GetAsync("/api/machines/members/me")).StatusCode == HttpStatusCode.Unauthorized,
            "the rotated key to expire", TimeSpan.FromSeconds(40));
        (await fresh.GetAsync("/api/machines/members/me")).StatusCode.ShouldBe(HttpStatusCode.OK);

        using var again = await fresh.PostAsJsonAsync($"/api/machines/members/me/keys/{keyId}/rotations", new { overlapSeconds = 0 });
        await again.ShouldBeProblemAsync(HttpStatusCode.Conflict, "key-not-active");
    }

    [Fact]
    public async Task RevokedKey_IsRefusedWith401()
    {
        var (keyId, key) = await fixture.IssueKeyAsync("write");
        using var client = fixture.WithKey(key);
        (await client.GetAsync("/api/machines/members/me")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await fixture.Operator.DeleteAsync($"/api/machines/members/me/keys/{keyId}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        await Eventually.TrueAsync(async () => (await client.GetAsync("/api/machines/members/me")).StatusCode == HttpStatusCode.Unauthorized,
            "the revoked key to be refused", TimeSpan.FromSeconds(40));
        using var refused = await client.GetAsync("/api/machines/members/me");
        await refused.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        var listed = await (await fixture.Operator.GetAsync("/api/machines/members/me/keys")).ShouldBeAsync(HttpStatusCode.OK);
        listed.EnumerateArray().Single(k => k.GetProperty("keyId").GetString() == keyId).GetProperty("status").GetString().ShouldBe("revoked");
    }

    [Fact]
    public async Task AnotherMembersKeyId_IsNotFound()
    {
        using var response = await fixture.Operator.DeleteAsync("/api/machines/members/me/keys/0123456789abcdef");
        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ForgedServiceIdentity_AndIdentityHeaders_AreRefusedAtTheGateway()
    {
        // Signed with the real service key, even: a caller may present only an API key or a token of the trusted issuer.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/machines/members/me");
        request.Headers.Authorization = new("Bearer", fixture.Environment.Tokens.Mint(TestMembers.Operator));
        request.Headers.Add("X-MaaS-Member", "operator");
        using var response = await fixture.Anonymous.SendAsync(request);
        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task IdentityHeaders_WithoutCredentials_AreStripped()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/machines/members/me");
        request.Headers.Add("X-MaaS-Member", TestMembers.Operator.MemberId.ToString());
        request.Headers.Add("X-MaaS-Roles", "operator");
        using var response = await fixture.Anonymous.SendAsync(request);
        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }
}
