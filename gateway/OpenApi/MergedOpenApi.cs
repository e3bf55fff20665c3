using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.OpenApi;
using Scalar.AspNetCore;
using Yarp.ReverseProxy;

namespace MaaS.Gateway.OpenApi;

/// <summary>
/// One OpenAPI document for the whole public API (<c>/openapi/v1.json</c>), merged from every proxied service's own
/// document, and a browsable reference at <c>/docs</c> (Scalar). Routes forward paths unchanged, so a service's path
/// is public exactly when it lies under its route's prefix (<c>/api/machines/…</c>); everything else a service
/// describes (health, internal endpoints) is left out. Schemas that two services name alike but define differently
/// are renamed <c>service_Name</c>. Every JSON body without an example gets one generated from its schema.
/// </summary>
public static class MergedOpenApi
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);

    public static IServiceCollection AddMergedOpenApi(this IServiceCollection services)
    {
        services.AddHttpClient(nameof(MergedOpenApi), c => c.Timeout = TimeSpan.FromSeconds(5));
        return services;
    }

    public static IEndpointRouteBuilder MapMergedOpenApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/openapi/v1.json", async (IProxyStateLookup proxy, IHttpClientFactory clients, IMemoryCache cache, IServiceProvider services, CancellationToken ct) =>
        {
            var document = await cache.GetOrCreateAsync("openapi:v1", async entry =>
            {
                entry.AbsoluteExpirationRelativeToNow = CacheFor;
                var own = await GatewayDocumentAsync(services, ct);
                return (await MergeAsync(proxy, clients.CreateClient(nameof(MergedOpenApi)), ct, own)).ToJsonString();
            });
            return Results.Text(document!, "application/json");
        }).ExcludeFromDescription();
        app.MapScalarApiReference("/docs", o => o.WithTitle("MaaS.Services API").WithOpenApiRoutePattern("/openapi/{documentName}.json"));
        return app;
    }

    /// <summary>The gateway's own endpoints (subscriptions, events), described by ASP.NET Core's generator in-process.</summary>
    private static async Task<JsonObject?> GatewayDocumentAsync(IServiceProvider services, CancellationToken ct)
    {
        if (services.GetKeyedService<IOpenApiDocumentProvider>(Events.PartnerEvents.GatewayDocument) is not { } provider) return null;
        var document = await provider.GetOpenApiDocumentAsync(ct);
        return JsonNode.Parse(await document.SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_1, ct)) as JsonObject;
    }

    public static async Task<JsonObject> MergeAsync(IProxyStateLookup proxy, HttpClient client, CancellationToken ct, JsonObject? gateway = null)
    {
        var merged = Skeleton();
        var paths = merged["paths"]!.AsObject();
        var schemas = merged["components"]!["schemas"]!.AsObject();
        var tags = new JsonArray();
        var missing = new JsonArray();
        if (gateway is not null)
        {
            var renames = MergeSchemas("gateway", gateway["components"]?["schemas"] as JsonObject, schemas);
            foreach (var (path, item) in gateway["paths"]?.AsObject() ?? [])
            {
                if (item is null || !path.StartsWith("/api/", StringComparison.Ordinal)) continue;
                var copy = item.DeepClone();
                Rewrite(copy, renames);
                paths[path] = copy;
            }
            foreach (var tag in gateway["tags"]?.AsArray() ?? []) if (tag is not null) tags.Add(tag.DeepClone());
        }
        foreach (var route in proxy.GetRoutes().OrderBy(r => r.Config.RouteId))
        {
            var prefix = route.Config.Match.Path?.Split("/{", 2)[0];
            var address = route.Cluster?.Destinations.Values.FirstOrDefault()?.Model.Config.Address;
            if (prefix is null || address is null) continue;
            var service = route.Config.RouteId;
            JsonObject? document;
            try
            {
                document = JsonNode.Parse(await client.GetStringAsync(new Uri(new Uri(address), "/openapi/v1.json"), ct)) as JsonObject;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                document = null;
            }
            if (document is null)
            {
                missing.Add(service);
                continue;
            }
            var renames = MergeSchemas(service, document["components"]?["schemas"] as JsonObject, schemas);
            foreach (var (path, item) in document["paths"]?.AsObject() ?? [])
            {
                if (item is null || !(path == prefix || path.StartsWith(prefix + "/", StringComparison.Ordinal))) continue;
                var copy = item.DeepClone();
                Rewrite(copy, renames);
                paths[path] = copy;
            }
            foreach (var tag in document["tags"]?.AsArray() ?? []) if (tag is not null) tags.Add(tag.DeepClone());
        }
        Examples.AddTo(paths, schemas);
        if (tags.Count > 0) merged["tags"] = tags;
        if (missing.Count > 0) merged["x-missing-services"] = missing;
        return merged;
    }

    private static JsonObject Skeleton() => new()
    {
        ["openapi"] = "3.1.1",
        ["info"] = new JsonObject
        {
            ["title"] = "MaaS.Services API",
            ["version"] = "v1",
            ["description"] = "Machines as a Service: every public endpoint of every service, as the gateway routes it. " +
                "Authenticate with an API key (header X-Api-Key, or Authorization: Bearer maas_…) or an access token of the configured OIDC issuer. " +
                "Every POST accepts an Idempotency-Key header. Errors are RFC 9457 problems.",
        },
        ["paths"] = new JsonObject(),
        ["components"] = new JsonObject
        {
            ["schemas"] = new JsonObject(),
            ["securitySchemes"] = new JsonObject
            {
                ["apiKey"] = new JsonObject { ["type"] = "apiKey", ["in"] = "header", ["name"] = "X-Api-Key", ["description"] = "A member's API key (maas_…)." },
                ["bearer"] = new JsonObject { ["type"] = "http", ["scheme"] = "bearer", ["description"] = "An API key as a bearer token, or an OIDC access token." },
            },
        },
        ["security"] = new JsonArray(new JsonObject { ["apiKey"] = new JsonArray() }, new JsonObject { ["bearer"] = new JsonArray() }),
    };

    /// <summary>Adds a service's schemas; a name already taken by a different schema gets the service as prefix.</summary>
    private static Dictionary<string, string> MergeSchemas(string service, JsonObject? source, JsonObject target)
    {
        var renames = new Dictionary<string, string>();
        if (source is null) return renames;
        foreach (var (name, schema) in source)
            if (target[name] is { } existing && !JsonNode.DeepEquals(existing, schema)) renames[name] = $"{service}_{name}";
        foreach (var (name, schema) in source)
        {
            var copy = schema?.DeepClone();
            Rewrite(copy, renames);
            target[renames.GetValueOrDefault(name, name)] = copy;
        }
        return renames;
    }

    private static void Rewrite(JsonNode? node, Dictionary<string, string> renames)
    {
        if (renames.Count == 0 || node is null) return;
        switch (node)
        {
            case JsonObject o:
                if (o["$ref"]?.GetValue<string>() is { } reference && reference.StartsWith("#/components/schemas/", StringComparison.Ordinal)
                    && renames.TryGetValue(reference["#/components/schemas/".Length..], out var renamed))
                    o["$ref"] = "#/components/schemas/" + renamed;
                foreach (var (_, child) in o.ToList()) Rewrite(child, renames);
                break;
            case JsonArray a:
                foreach (var child in a) Rewrite(child, renames);
                break;
        }
    }
}
