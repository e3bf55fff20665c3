using System.Text.Json.Nodes;

namespace MaaS.Gateway.OpenApi;

/// <summary>
/// Example bodies generated from schemas, for every JSON request and success response that has none, so the reference
/// shows a filled-in request for every endpoint (a service may give its own, which is kept).
/// </summary>
internal static class Examples
{
    private const int MaxDepth = 6;

    public static void AddTo(JsonObject paths, JsonObject schemas)
    {
        foreach (var (_, item) in paths)
        {
            foreach (var (method, operation) in item?.AsObject() ?? [])
            {
                if (operation is not JsonObject op || method is "parameters" or "summary" or "description") continue;
                AddToContent(op["requestBody"]?["content"] as JsonObject, schemas);
                foreach (var (status, response) in op["responses"]?.AsObject() ?? [])
                    if (status.StartsWith('2')) AddToContent(response?["content"] as JsonObject, schemas);
            }
        }
    }

    private static void AddToContent(JsonObject? content, JsonObject schemas)
    {
        foreach (var (mediaType, media) in content ?? [])
        {
            if (media is not JsonObject m || !mediaType.Contains("json", StringComparison.Ordinal) || m.ContainsKey("example") || m.ContainsKey("examples")) continue;
            if (m["schema"] is JsonObject schema) m["example"] = For(schema, schemas, 0);
        }
    }

    public static JsonNode? For(JsonObject schema, JsonObject schemas, int depth)
    {
        if (depth > MaxDepth) return null;
        if (schema["example"] is { } given) return given.DeepClone();
        if (schema["$ref"]?.GetValue<string>() is { } reference)
            return schemas[reference.Split('/')[^1]] is JsonObject target ? For(target, schemas, depth + 1) : null;
        foreach (var combinator in new[] { "allOf", "oneOf", "anyOf" })
            if (schema[combinator] is JsonArray options && options.OfType<JsonObject>().FirstOrDefault(o => o["type"]?.ToString() != "null") is { } first)
                return For(first, schemas, depth + 1);
        if (schema["enum"] is JsonArray values && values.Count > 0) return values[0]?.DeepClone();

        var type = schema["type"] switch
        {
            JsonArray types => types.Select(t => t?.GetValue<string>()).FirstOrDefault(t => t != "null"),
            JsonValue v => v.GetValue<string>(),
            _ => schema["properties"] is not null ? "object" : null,
        };
        var format = schema["format"]?.GetValue<string>();
        return type switch
        {
            "object" => Object(schema, schemas, depth),
            "array" => schema["items"] is JsonObject items ? new JsonArray(For(items, schemas, depth + 1)) : new JsonArray(),
            "integer" => format == "int64" ? 1000 : 1,
            "number" => 1.5,
            "boolean" => true,
            "string" => format switch
            {
                "uuid" => "0195f0c8-7a4e-7c3b-9d2a-5b6c7d8e9f01",
                "date-time" => "2026-01-15T09:30:00Z",
                "date" => "2026-01-15",
                "uri" => "https://example.com/",
                "byte" => "aGVsbG8=",
                _ => schema["pattern"]?.GetValue<string>() is { } p && p.Contains("0x", StringComparison.Ordinal) ? "0x0000000000000000000000000000000000000001" : "string",
            },
            _ => null,
        };
    }

    private static JsonObject Object(JsonObject schema, JsonObject schemas, int depth)
    {
        var example = new JsonObject();
        foreach (var (name, property) in schema["properties"]?.AsObject() ?? [])
            if (property is JsonObject p) example[name] = For(p, schemas, depth + 1);
        return example;
    }
}
