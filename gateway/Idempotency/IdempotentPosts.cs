using System.Security.Cryptography;
using System.Text;
using MaaS.Gateway.Hosting;
using MaaS.Gateway.Identity;
using Npgsql;

namespace MaaS.Gateway.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> on every POST: the first response (status, headers, body) is stored and returned to every
/// retry with the same key; a duplicate while the first is running is 409; the same key with another request is 422.
/// Keys belong to the caller (member, or address for anonymous calls). Server errors (5xx) are not stored: the retry
/// runs again. The header still reaches the services, whose own idempotency (operation ids) stays the second line.
/// </summary>
public static class IdempotentPosts
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    private static readonly HashSet<string> NotStored = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Date", "Server", "Set-Cookie", "traceparent", "X-Correlation-Id",
    };

    public static IServiceCollection AddIdempotentPosts(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(IdempotencyOptions.Section).Get<IdempotencyOptions>() ?? new IdempotencyOptions();
        services.AddSingleton(options);
        var connectionString = configuration.GetConnectionString("Postgres");
        if (string.IsNullOrWhiteSpace(connectionString)) return services;
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddSingleton<IdempotencyStore>();
        services.AddHostedService<IdempotencySchema>();
        return services;
    }

    public static IApplicationBuilder UseIdempotentPosts(this IApplicationBuilder app)
    {
        if (app.ApplicationServices.GetService<IdempotencyStore>() is null)
        {
            app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(nameof(IdempotentPosts))
                .LogWarning("ConnectionStrings:Postgres is not set: the gateway does not store Idempotency-Key responses (services still honour the header).");
            return app;
        }
        return app.Use(Handle);
    }

    private static async Task Handle(HttpContext context, RequestDelegate next)
    {
        var key = context.Request.Headers[Header].ToString();
        if (!HttpMethods.IsPost(context.Request.Method) || key.Length == 0)
        {
            await next(context);
            return;
        }
        if (key.Length > 255)
        {
            await GatewayProblems.WriteAsync(context, StatusCodes.Status400BadRequest, "validation", "An Idempotency-Key is at most 255 characters.");
            return;
        }
        var store = context.RequestServices.GetRequiredService<IdempotencyStore>();
        var options = context.RequestServices.GetRequiredService<IdempotencyOptions>();
        var owner = context.Caller() is { } member ? member.MemberId.ToString() : "anonymous:" + context.Connection.RemoteIpAddress;
        var hash = await RequestHashAsync(context.Request, options.MaxRequestBytes, context.RequestAborted);

        switch (await store.ClaimAsync(owner, key, hash, context.RequestAborted))
        {
            case Claim.Mismatch:
                await GatewayProblems.WriteAsync(context, StatusCodes.Status422UnprocessableEntity, "idempotency-key-reused",
                    "This Idempotency-Key was used for a different request (method, path or body); use a new key for a new request.");
                return;
            case Claim.InFlight:
                context.Response.Headers.RetryAfter = "1";
                await GatewayProblems.WriteAsync(context, StatusCodes.Status409Conflict, "idempotency-in-flight",
                    "A request with this Idempotency-Key is still being processed; retry shortly to get its response.");
                return;
            case Claim.Completed done:
                await ReplayAsync(context, done);
                return;
        }

        var original = context.Response.Body;
        await using var capture = new CaptureStream(original, options.MaxResponseBytes);
        context.Response.Body = capture;
        var stored = false;
        try
        {
            await next(context);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            if (context.Response.StatusCode < 500 && !capture.Overflowed)
            {
                var headers = context.Response.Headers.Where(h => !NotStored.Contains(h.Key)).ToDictionary(h => h.Key, h => h.Value.Select(v => v ?? "").ToArray());
                await store.CompleteAsync(owner, key, context.Response.StatusCode, headers, capture.Captured, CancellationToken.None);
                stored = true;
            }
        }
        finally
        {
            context.Response.Body = original;
            if (!stored) await store.ReleaseAsync(owner, key);
        }
    }

    /// <summary>SHA-256 over method, path, query and body: what makes two requests "the same".</summary>
    private static async Task<byte[]> RequestHashAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        request.EnableBuffering(bufferThreshold: 64 * 1024, bufferLimit: maxBytes);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{request.Method}\n{request.Path}{request.QueryString}\n"));
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, ct)) > 0) sha.AppendData(buffer, 0, read);
        request.Body.Position = 0;
        return sha.GetHashAndReset();
    }

    private static async Task ReplayAsync(HttpContext context, Claim.Completed done)
    {
        context.Response.StatusCode = done.Status;
        foreach (var (name, values) in done.Headers) context.Response.Headers[name] = values;
        context.Response.Headers[ReplayedHeader] = "true";
        context.Response.ContentLength = done.Body.Length;
        await context.Response.Body.WriteAsync(done.Body, context.RequestAborted);
    }

    private sealed class IdempotencySchema(IdempotencyStore store) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => store.CreateSchemaAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
