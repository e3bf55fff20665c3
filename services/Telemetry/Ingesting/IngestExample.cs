using System.Text.Json.Nodes;

namespace MaaS.Telemetry.Ingesting;

/// <summary>
/// The ingest request of docs/telemetry.md §1 as the OpenAPI example: a real request, signed by anvil's first test key
/// (0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266) over its canonical bytes, so an integrator can check a signer against it.
/// A schema-generated example would carry a signature that verifies nothing.
/// </summary>
public static class IngestExample
{
    public const string Signer = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";

    public const string Json = """
        {"machineId":"0193a6f0-0000-7000-8000-000000000001","readings":[
        {"seq":2,"ts":1764158410000,"status":"running","produced":4,"rejected":1,"sensors":{"temp_mc":21620,"rpm":1210}},
        {"seq":1,"ts":1764158400000,"status":"running","produced":3,"rejected":0,"sensors":{"temp_mc":21500,"rpm":1200}}],
        "signature":"0xe8d139e313b52033de709ff72b573038d539eda9cf8199bb3c7176a88e2b923a7f61c8b052d9e667c9e06576f5cb3eedb590707bd558c12df435c8a98a7af8331c"}
        """;

    public static RouteHandlerBuilder WithIngestExample(this RouteHandlerBuilder endpoint) =>
        endpoint.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (operation.RequestBody?.Content?.TryGetValue("application/json", out var media) == true) media.Example = JsonNode.Parse(Json);
            return Task.CompletedTask;
        });
}
