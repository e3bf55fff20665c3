using Microsoft.Extensions.FileProviders;

namespace MaaS.Gateway.WebConsole;

/// <summary>
/// The web console: static files (plain HTML, ES modules, CSS; no build step) under <c>/console</c>, and <c>/</c>
/// redirecting there. The files need no credential — they hold no data; every request they make for data carries
/// the API key the user typed, through the same authentication as any other caller. Runs before caller
/// authentication and outside <c>/api</c>, so neither the key check, the rate limits nor the proxy see these requests.
/// </summary>
public static class WebConsoleEndpoints
{
    public const string Path = "/console";

    /// <summary>
    /// Only our own scripts, styles and API: nothing inline, nothing from elsewhere, no framing. An API key sits in the
    /// page's sessionStorage, so injected script is what must not run.
    /// </summary>
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static WebApplication MapWebConsole(this WebApplication app)
    {
        var files = new PhysicalFileProvider(Root(app.Environment));
        var options = new StaticFileOptions
        {
            FileProvider = files,
            RequestPath = Path,
            OnPrepareResponse = context => Secure(context.Context.Response),
        };
        app.Use((context, next) =>
        {
            // Without the slash the page's relative module paths would resolve against "/". (A route cannot say this:
            // routing ignores a trailing slash, so "/console" would match "/console/" too and redirect forever.)
            if (context.Request.Path.Value == Path)
            {
                context.Response.Redirect(Path + "/");
                return Task.CompletedTask;
            }
            return next(context);
        });
        app.UseStaticFiles(options);
        app.MapGet("/", () => TypedResults.Redirect(Path + "/")).ExcludeFromDescription();
        // Pages are addressed by the fragment (#/tickets/…); any other path under /console that is not a file is the page too.
        app.MapFallbackToFile(Path + "/{*path:nonfile}", "index.html", new StaticFileOptions { FileProvider = files, OnPrepareResponse = options.OnPrepareResponse });
        return app;
    }

    private static void Secure(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        // Small files that change with each deployment: revalidate every time (ETag) rather than serve a stale module.
        response.Headers.CacheControl = "no-cache";
    }

    /// <summary>Beside the sources when run from the checkout (content root = gateway/), else beside the published dll.</summary>
    private static string Root(IWebHostEnvironment environment)
    {
        var source = System.IO.Path.Combine(environment.ContentRootPath, "WebConsole", "wwwroot");
        return Directory.Exists(source) ? source : System.IO.Path.Combine(AppContext.BaseDirectory, "WebConsole", "wwwroot");
    }
}
