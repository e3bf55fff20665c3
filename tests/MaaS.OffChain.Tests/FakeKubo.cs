using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace MaaS.OffChain.Tests;

/// <summary>
/// A Kubo RPC server on 127.0.0.1 (Kestrel, free port) for the commands the adapter uses, with Kubo's
/// wire format: POST only (else 405), arguments in <c>?arg=</c>, <c>add</c> takes multipart/form-data and
/// answers JSON lines <c>{"Name","Hash","Size"}</c>, <c>cat</c> answers raw bytes, errors are HTTP 500 with
/// <c>{"Message","Code":0,"Type":"error"}</c>, unknown commands are 404 "404 page not found".
/// Blocks are kept as Kubo keeps them: the UnixFS block under its CID.
/// </summary>
internal sealed class FakeKubo : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeKubo(WebApplication app, Uri apiUrl)
    {
        _app = app;
        ApiUrl = apiUrl;
    }

    public Uri ApiUrl { get; }

    /// <summary>CIDv0 → UnixFS block.</summary>
    public ConcurrentDictionary<string, byte[]> Blocks { get; } = new();

    public ConcurrentDictionary<string, bool> Pins { get; } = new();

    /// <summary>Pins that pin/rm of the CID does not lift (e.g. a parent directory pinned recursively).</summary>
    public ConcurrentDictionary<string, bool> PinsElsewhere { get; } = new();

    /// <summary>Each request as "METHOD /path?query", and for add the multipart parts as "name/filename/content-type".</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public ConcurrentQueue<string> AddParts { get; } = new();

    /// <summary>add answers the CID of other bytes (a broken or lying node).</summary>
    public bool AnswerWrongHash { get; set; }

    /// <summary>cat flips a byte of what it returns.</summary>
    public bool TamperCat { get; set; }

    /// <summary>cat appends this many bytes.</summary>
    public int CatExtraBytes { get; set; }

    /// <summary>Every command waits this long before answering (a node searching the network).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>When set, every command fails with this 500 message.</summary>
    public string? FailWith { get; set; }

    public static async Task<FakeKubo> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();

        FakeKubo? fake = null;
        app.Run(context => fake!.HandleAsync(context));
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        fake = new FakeKubo(app, new Uri(address + "/"));
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        Requests.Enqueue($"{request.Method} {request.Path}{request.QueryString}");

        const string prefix = "/api/v0/";
        var path = request.Path.Value ?? "";
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            await NotFoundPage(context);
            return;
        }
        if (!HttpMethods.IsPost(request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            await context.Response.WriteAsync("405 - Method Not Allowed");
            return;
        }
        if (Delay > TimeSpan.Zero)
            await Task.Delay(Delay, context.RequestAborted);
        if (FailWith is not null)
        {
            await Error(context, FailWith);
            return;
        }

        var arg = request.Query["arg"].ToString();
        switch (path[prefix.Length..])
        {
            case "add":
                await AddAsync(context);
                break;
            case "cat":
                await CatAsync(context, arg);
                break;
            case "block/stat":
                if (Find(arg) is { } block)
                    await Json(context, new { Key = arg, Size = block.Length });
                else
                    await Error(context, $"block was not found locally (offline): ipld: could not find {arg}");
                break;
            case "pin/add":
                if (Find(arg) is null)
                {
                    await Error(context, $"pin: block was not found locally (offline): ipld: could not find {arg}");
                    break;
                }
                Pins[Key(arg)!] = true;
                await Json(context, new { Pins = new[] { arg } });
                break;
            case "pin/rm":
                if (Key(arg) is not { } unpinKey || !Pins.TryRemove(unpinKey, out _))
                {
                    await Error(context, "not pinned or pinned indirectly");
                    break;
                }
                await Json(context, new { Pins = new[] { arg } });
                break;
            case "block/rm":
                await BlockRmAsync(context, arg, request.Query["force"] == "true");
                break;
            default:
                await NotFoundPage(context);
                break;
        }
    }

    private async Task AddAsync(HttpContext context)
    {
        var request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            await Error(context, "expected multipart/form-data", StatusCodes.Status400BadRequest);
            return;
        }

        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value!;
        var reader = new MultipartReader(boundary, request.Body);
        var lines = new List<string>();
        while (await reader.ReadNextSectionAsync() is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
            {
                await Error(context, "multipart part without form-data disposition", StatusCodes.Status400BadRequest);
                return;
            }
            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
            var fileName = HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
            AddParts.Enqueue($"{name}/{fileName}/{section.ContentType}");
            if (name != "file")
                continue;

            using var content = new MemoryStream();
            await section.Body.CopyToAsync(content);
            var bytes = content.ToArray();
            if (bytes.Length > UnixFsBlock.MaxContentLength)
            {
                // Real Kubo would chunk it into a bigger DAG; the adapter must never send this.
                await Error(context, "fake kubo: more than one chunk");
                return;
            }

            var block = UnixFsBlock.Encode(bytes);
            var cid = Cid.FromBlock(block);
            Blocks[cid.V0] = block;
            if (request.Query["pin"] != "false")
                Pins[cid.V0] = true;

            var answered = AnswerWrongHash ? Cid.Compute([.. bytes, 0x00]) : cid;
            lines.Add(JsonSerializer.Serialize(new { Name = fileName ?? "", Hash = answered.V0, Size = block.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        }

        context.Response.ContentType = "application/json";
        context.Response.Headers["X-Chunked-Output"] = "1";
        foreach (var line in lines)
            await context.Response.WriteAsync(line + "\n");
    }

    private async Task CatAsync(HttpContext context, string arg)
    {
        if (Find(arg) is not { } block)
        {
            await Error(context, $"block was not found locally (offline): ipld: could not find {arg}");
            return;
        }

        var content = UnixFsBlock.Decode(block);
        if (TamperCat && content.Length > 0)
            content[content.Length / 2] ^= 0x01;
        if (CatExtraBytes > 0)
            content = [.. content, .. new byte[CatExtraBytes]];

        context.Response.ContentType = "text/plain";
        context.Response.Headers["X-Stream-Output"] = "1";
        context.Response.Headers["X-Content-Length"] = content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await context.Response.Body.WriteAsync(content);
    }

    private async Task BlockRmAsync(HttpContext context, string arg, bool force)
    {
        var key = Key(arg);
        context.Response.ContentType = "application/json";
        if (key is null || !Blocks.ContainsKey(key))
        {
            if (!force)
                await context.Response.WriteAsync(JsonSerializer.Serialize(new { Hash = arg, Error = "blockstore: block not found" }) + "\n");
            return;
        }
        if (Pins.ContainsKey(key) || PinsElsewhere.ContainsKey(key))
        {
            await context.Response.WriteAsync(JsonSerializer.Serialize(new { Hash = arg, Error = "pinned: recursive" }) + "\n");
            return;
        }
        Blocks.TryRemove(key, out _);
        await context.Response.WriteAsync(JsonSerializer.Serialize(new { Hash = arg }) + "\n");
    }

    private byte[]? Find(string arg) => Key(arg) is { } key && Blocks.TryGetValue(key, out var block) ? block : null;

    private static string? Key(string arg) => Cid.TryParse(arg, out var cid) ? cid.V0 : null;

    private static Task Json(HttpContext context, object value)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(value) + "\n");
    }

    private static Task Error(HttpContext context, string message, int status = StatusCodes.Status500InternalServerError)
    {
        context.Response.StatusCode = status;
        return Json(context, new { Message = message, Code = 0, Type = "error" });
    }

    private static Task NotFoundPage(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync("404 page not found\n");
    }
}
