using System.Reflection;

namespace Gateway.Edge;

/// <summary>Serves the embedded browser client (<c>/_gateway/client.js</c>, its types) and the demo page (<c>/</c>).</summary>
internal static class GatewayStaticFiles
{
    private static readonly Dictionary<string, (string Resource, string ContentType)> Files = new(StringComparer.Ordinal)
    {
        ["/"] = ("wwwroot/index.html", "text/html; charset=utf-8"),
        ["/index.html"] = ("wwwroot/index.html", "text/html; charset=utf-8"),
        ["/_gateway/client.js"] = ("wwwroot/_gateway/client.js", "text/javascript; charset=utf-8"),
        ["/_gateway/client.d.ts"] = ("wwwroot/_gateway/client.d.ts", "application/typescript; charset=utf-8"),
        ["/_gateway/demo.js"] = ("wwwroot/_gateway/demo.js", "text/javascript; charset=utf-8"),
        ["/_gateway/demo.css"] = ("wwwroot/_gateway/demo.css", "text/css; charset=utf-8"),
    };

    public static WebApplication UseGatewayStaticFiles(this WebApplication app)
    {
        var assembly = Assembly.GetExecutingAssembly();
        var cache = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (path, (resource, _)) in Files)
        {
            using var stream = assembly.GetManifestResourceStream(resource);
            if (stream is not null)
            {
                using var ms = new MemoryStream();
                stream.CopyTo(ms);
                cache[path] = ms.ToArray();
            }
        }

        app.Use(async (context, next) =>
        {
            if (HttpMethods.IsGet(context.Request.Method) && context.Request.Path.Value is { } path &&
                Files.TryGetValue(path, out var file) && cache.TryGetValue(path, out var bytes))
            {
                context.Response.ContentType = file.ContentType;
                context.Response.Headers.CacheControl = "no-cache";
                await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
                return;
            }

            await next();
        });
        return app;
    }
}
