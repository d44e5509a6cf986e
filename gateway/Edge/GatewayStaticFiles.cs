using System.Reflection;

namespace Gateway.Edge;

/// <summary>Serves the embedded browser client (<c>/_gateway/client.js</c>, its types) and, when switched on, the demo page (<c>/</c>).</summary>
internal static class GatewayStaticFiles
{
    private static readonly Dictionary<string, (string Resource, string ContentType)> ClientFiles = new(StringComparer.Ordinal)
    {
        ["/_gateway/client.js"] = ("wwwroot/_gateway/client.js", "text/javascript; charset=utf-8"),
        ["/_gateway/client.d.ts"] = ("wwwroot/_gateway/client.d.ts", "application/typescript; charset=utf-8"),
    };

    private static readonly Dictionary<string, (string Resource, string ContentType)> DemoFiles = new(StringComparer.Ordinal)
    {
        ["/"] = ("wwwroot/index.html", "text/html; charset=utf-8"),
        ["/index.html"] = ("wwwroot/index.html", "text/html; charset=utf-8"),
        ["/_gateway/demo.js"] = ("wwwroot/_gateway/demo.js", "text/javascript; charset=utf-8"),
        ["/_gateway/demo.css"] = ("wwwroot/_gateway/demo.css", "text/css; charset=utf-8"),
    };

    /// <summary>Serves the client always and the demo page when <see cref="DemoOptions.Enabled"/> (read once at start).</summary>
    public static WebApplication UseGatewayStaticFiles(this WebApplication app)
    {
        var demo = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DemoOptions>>().Value.Enabled;
        var files = demo ? ClientFiles.Concat(DemoFiles).ToDictionary(StringComparer.Ordinal) : ClientFiles;
        var assembly = Assembly.GetExecutingAssembly();
        var cache = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (path, (resource, _)) in files)
        {
            using var stream = assembly.GetManifestResourceStream(resource);
            if (stream is not null)
            {
                using var ms = new MemoryStream();
                stream.CopyTo(ms);
                cache[path] = ms.ToArray();
            }
        }

        // A RequestDelegate made once: every other request passes with next(context), no closure or async step.
        app.Use(next => context =>
            HttpMethods.IsGet(context.Request.Method) && context.Request.Path.Value is { } path &&
            files.TryGetValue(path, out var file) && cache.TryGetValue(path, out var bytes)
                ? WriteAsync(context, file.ContentType, bytes)
                : next(context));
        return app;
    }

    private static Task WriteAsync(HttpContext context, string contentType, byte[] bytes)
    {
        context.Response.ContentType = contentType;
        context.Response.Headers.CacheControl = "no-cache";
        return context.Response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
    }
}
