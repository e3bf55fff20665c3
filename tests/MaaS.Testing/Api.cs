using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Shouldly;

namespace MaaS.Testing;

/// <summary>Reading the services' answers the way a client does: JSON with enum names, RFC 9457 problems.</summary>
public static class Api
{
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    /// <summary>The body as <typeparamref name="T"/>, after checking the status (the body is in the message when it is not the expected one).</summary>
    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(expected, body);
        return JsonSerializer.Deserialize<T>(body, Json) ?? throw new InvalidOperationException($"Empty body: {body}");
    }

    public static async Task<T> GetAsync<T>(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return await response.ReadAsync<T>(HttpStatusCode.OK);
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object? body, string? ifMatch = null, string? idempotencyKey = null) =>
        client.SendAsync(Request(HttpMethod.Post, path, body, ifMatch, idempotencyKey));

    public static Task<HttpResponseMessage> PutJsonAsync(this HttpClient client, string path, object? body, string? ifMatch = null) =>
        client.SendAsync(Request(HttpMethod.Put, path, body, ifMatch, null));

    private static HttpRequestMessage Request(HttpMethod method, string path, object? body, string? ifMatch, string? idempotencyKey)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, options: Json) };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return request;
    }

    /// <summary>Asserts an RFC 9457 problem with this status (and problem type, when given) and returns it.</summary>
    public static async Task<JsonElement> ShouldBeProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string? type = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, body);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", body);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        problem.GetProperty("status").GetInt32().ShouldBe((int)status, body);
        if (type is not null) problem.GetProperty("type").GetString().ShouldBe("https://maas.services/problems/" + type, body);
        return problem;
    }
}
