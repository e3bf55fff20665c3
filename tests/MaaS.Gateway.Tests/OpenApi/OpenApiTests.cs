using System.Net;
using System.Text.Json;
using Shouldly;

namespace MaaS.Gateway.Tests.OpenApi;

[Collection(GatewayCollection.Name)]
[Trait("Category", "Integration")]
public sealed class OpenApiTests(GatewayFixture fixture)
{
    private async Task<JsonElement> DocumentAsync() =>
        await (await fixture.Anonymous.GetAsync("/openapi/v1.json")).ShouldBeAsync(HttpStatusCode.OK);

    [Fact]
    public async Task Document_HoldsEveryServicesPublicPaths_AndNothingInternal()
    {
        var document = await DocumentAsync();
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();

        paths.ShouldContain("/api/machines/members/me/keys");
        paths.ShouldContain("/api/machines/{machineId}");
        paths.ShouldContain(p => p.StartsWith("/api/anchoring/", StringComparison.Ordinal));
        paths.ShouldAllBe(p => p.StartsWith("/api/", StringComparison.Ordinal));
        document.GetProperty("components").GetProperty("securitySchemes").GetProperty("apiKey").GetProperty("name").GetString().ShouldBe("X-Api-Key");
    }

    [Fact]
    public async Task EveryJsonRequestBody_HasAnExample()
    {
        var document = await DocumentAsync();
        var bodies = 0;
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        foreach (var operation in path.Value.EnumerateObject().Where(o => o.Value.ValueKind == JsonValueKind.Object && o.Value.TryGetProperty("requestBody", out _)))
        {
            if (!operation.Value.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out var json)) continue;
            bodies++;
            json.TryGetProperty("example", out _).ShouldBeTrue($"{operation.Name.ToUpperInvariant()} {path.Name} has no example");
        }
        bodies.ShouldBeGreaterThan(5);
    }

    [Fact]
    public async Task ExampleOfAKeyRequest_NamesItsFields()
    {
        var document = await DocumentAsync();
        var example = document.GetProperty("paths").GetProperty("/api/machines/members/me/keys").GetProperty("post")
            .GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("example");
        example.TryGetProperty("scope", out _).ShouldBeTrue(example.ToString());
        example.TryGetProperty("name", out _).ShouldBeTrue(example.ToString());
    }

    [Fact]
    public async Task EveryOperation_SaysWhoMayCallIt()
    {
        var document = await DocumentAsync();
        var operations = 0;
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        foreach (var operation in path.Value.EnumerateObject().Where(o => o.Value.ValueKind == JsonValueKind.Object && o.Name != "parameters"))
        {
            operations++;
            var name = $"{operation.Name.ToUpperInvariant()} {path.Name}";
            operation.Value.TryGetProperty("x-maas-authorization", out var declared).ShouldBeTrue($"{name} does not say who may call it");
            if (declared.GetProperty("anonymous").GetBoolean())
            {
                operation.Value.GetProperty("security").GetArrayLength().ShouldBe(0, name);
                continue;
            }
            declared.GetProperty("roles").GetArrayLength().ShouldBeGreaterThan(0, name);
            declared.GetProperty("scope").GetString().ShouldBeOneOf(["read", "write"], name);
            operation.Value.GetProperty("security").GetArrayLength().ShouldBeGreaterThan(0, name);
            operation.Value.GetProperty("responses").TryGetProperty("401", out _).ShouldBeTrue(name);
        }
        operations.ShouldBeGreaterThan(20);
    }

    [Theory]
    [InlineData("/api/machines/members/invitations", "post", false, "operator", "write")]
    [InlineData("/api/machines/{machineId}/accept", "post", false, "customer", "write")]
    [InlineData("/api/machines/members/redemptions", "post", true, null, null)]
    [InlineData("/api/machines/about", "get", true, null, null)]
    public async Task Declaration_FollowsTheEndpointsPolicies(string path, string method, bool anonymous, string? role, string? scope)
    {
        var document = await DocumentAsync();
        var operation = document.GetProperty("paths").GetProperty(path).GetProperty(method);
        var declared = operation.GetProperty("x-maas-authorization");
        declared.GetProperty("anonymous").GetBoolean().ShouldBe(anonymous);
        if (anonymous) return;
        declared.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ShouldBe([role]);
        declared.GetProperty("scope").GetString().ShouldBe(scope);
        operation.GetProperty("responses").GetProperty("403").GetProperty("content").TryGetProperty("application/problem+json", out _).ShouldBeTrue();
        // The merged document defines the schemes the requirement names.
        foreach (var requirement in operation.GetProperty("security").EnumerateArray())
        foreach (var scheme in requirement.EnumerateObject())
            document.GetProperty("components").GetProperty("securitySchemes").TryGetProperty(scheme.Name, out _).ShouldBeTrue(scheme.Name);
    }

    [Fact]
    public async Task Reference_IsBrowsable()
    {
        using var response = await fixture.Anonymous.GetAsync("/docs");
        var html = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, html);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("text/html");
        html.ShouldContain("v1.json");
        // The reference's script is served by the gateway itself (no CDN needed).
        var script = System.Text.RegularExpressions.Regex.Match(html, "<script[^>]+src=\"([^\"]+)\"").Groups[1].Value;
        script.ShouldNotBeEmpty(html);
        using var js = await fixture.Anonymous.GetAsync(new Uri(new Uri(fixture.Anonymous.BaseAddress!, "/docs/"), script));
        js.StatusCode.ShouldBe(HttpStatusCode.OK, script);
    }
}
