using System.Buffers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Telemetry.Ingesting;

/// <summary>
/// <c>POST /api/telemetry/readings</c>: a batch of readings from one IoT box, authenticated by its EIP-191 signature
/// alone (anonymous through the gateway). 202 once the new readings are committed; a retried request answers 202
/// again and says how many readings were new and how many duplicates. A refusal stores nothing.
/// </summary>
public static class IngestReadings
{
    public static RouteGroupBuilder MapIngestReadings(this RouteGroupBuilder telemetry)
    {
        telemetry.MapPost("/readings", Ingest).AllowAnonymous()
            .Accepts<ReadingsRequestBody>("application/json").WithIngestExample()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return telemetry;
    }

    private static async Task<Results<Accepted<IngestResponse>, ProblemHttpResult>> Ingest(
        HttpContext http, ReadingsStore store, DeviceRateLimit devices, TelemetryOptions options, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var limits = new ReadingLimits(options.MaxReadingsPerRequest,
            (now - options.MaxReadingAge).ToUnixTimeMilliseconds(), (now + options.MaxClockAhead).ToUnixTimeMilliseconds());
        ReadingsRequest? request;
        Refusal? refusal;
        var (body, length) = await ReadBodyAsync(http, options.MaxRequestBytes, ct);
        try
        {
            (request, refusal) = length > options.MaxRequestBytes
                ? (null, Refusal.TooLarge($"A request body is at most {options.MaxRequestBytes} bytes; split the batch."))
                : ReadingsRequest.Parse(body.AsSpan(0, length), limits);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
        if (request is null) return refusal!.ToResult();

        using var signed = SignedReadings.Encode(request);
        var signer = DeviceSignature.Recover(signed.Bytes, request.Signature);
        if (devices.Refuse(signer) is { } wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Refusal.TooManyRequests(seconds).ToResult();
        }
        var (stored, refused) = await store.StoreAsync(request, signed, signer, now, ct);
        if (refused is null) return TypedResults.Accepted((string?)null, stored);
        if (refused.Status == StatusCodes.Status401Unauthorized) http.Response.Headers.WWWAuthenticate = "EIP191 realm=\"maas-telemetry\"";
        return refused.ToResult();
    }

    /// <summary>
    /// The whole body in a pooled array (the caller returns it). Reading stops past <paramref name="max"/> bytes, so a
    /// length above it means "too large" without holding an oversized body.
    /// </summary>
    private static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(HttpContext http, int max, CancellationToken ct)
    {
        var declared = http.Request.ContentLength;
        if (declared > max) return (ArrayPool<byte>.Shared.Rent(1), max + 1);
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = max + 1L;
        var buffer = ArrayPool<byte>.Shared.Rent(declared is { } known ? (int)known + 1 : 64 * 1024);
        var length = 0;
        while (length <= max)
        {
            if (length == buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, max + 1));
                buffer.AsSpan(0, length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = larger;
            }
            var read = await http.Request.Body.ReadAsync(buffer.AsMemory(length), ct);
            if (read == 0) break;
            length += read;
        }
        return (buffer, length);
    }
}
