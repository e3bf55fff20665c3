using System.Text.Json;
using System.Text.Json.Nodes;
using Yarp.ReverseProxy;

namespace MaaS.Gateway.Health;

/// <summary>
/// <c>GET /health</c>: asks every destination of every proxied service for its readiness and answers 200 only
/// when all are ready, with each service's checks so an operator sees which server is missing.
/// </summary>
public static class ServicesHealth
{
    public static IServiceCollection AddServicesHealth(this IServiceCollection services)
    {
        services.AddHttpClient(nameof(ServicesHealth), c => c.Timeout = TimeSpan.FromSeconds(5));
        return services;
    }

    public static IEndpointRouteBuilder MapServicesHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", Aggregate).WithTags("Health");
        app.MapGet("/health/live", () => TypedResults.Ok(new { status = "Healthy" })).WithTags("Health");
        return app;
    }

    private static async Task<IResult> Aggregate(IProxyStateLookup proxy, IHttpClientFactory clients, CancellationToken ct)
    {
        var client = clients.CreateClient(nameof(ServicesHealth));
        var probes = proxy.GetClusters()
            .SelectMany(cluster => cluster.Destinations.Values.Select(d => (Service: cluster.ClusterId, Address: d.Model.Config.Address)))
            .Select(async target => (target.Service, target.Address, Report: await Probe(client, target.Address, ct)))
            .ToList();
        var results = await Task.WhenAll(probes);

        var services = new JsonObject();
        foreach (var group in results.GroupBy(r => r.Service).OrderBy(g => g.Key))
        {
            var instances = new JsonArray();
            foreach (var r in group) { r.Report["address"] = r.Address; instances.Add(r.Report); }
            services[group.Key] = instances;
        }
        var healthy = results.Length > 0 && results.All(r => r.Report["status"]?.GetValue<string>() == "Healthy");
        var body = new JsonObject { ["status"] = healthy ? "Healthy" : "Unhealthy", ["services"] = services };
        return TypedResults.Json(body, statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<JsonObject> Probe(HttpClient client, string address, CancellationToken ct)
    {
        try
        {
            using var response = await client.GetAsync(new Uri(new Uri(address), "/health/ready"), ct);
            var json = await response.Content.ReadAsStringAsync(ct);
            return JsonNode.Parse(json) as JsonObject ?? new JsonObject { ["status"] = "Unhealthy", ["error"] = "not a health report" };
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            return new JsonObject { ["status"] = "Unhealthy", ["error"] = ex.Message };
        }
    }
}
