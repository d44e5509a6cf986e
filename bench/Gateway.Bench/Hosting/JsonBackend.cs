using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Bench.Hosting;

/// <summary>
/// The REST backend of the peers comparison, inside the benchmark's process (Kestrel on 127.0.0.1:0): <c>GET
/// /items/{id}</c> answers the same 1 KB JSON document, <c>Content-Length</c> set, no ETag and no caching headers: a
/// typical API that leaves conditional requests to whoever is in front.
/// </summary>
internal sealed class JsonBackend : IAsyncDisposable
{
    public static readonly byte[] Document = CreateDocument(1024);

    private readonly WebApplication _app;

    private JsonBackend(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = new("http://127.0.0.1");

    public static async Task<JsonBackend> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        app.MapGet("/items/{id}", WriteAsync);
        app.MapGet("/plain/{id}", WriteAsync);
        await app.StartAsync(cancellationToken);
        var backend = new JsonBackend(app) { Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };
        return backend;
    }

    private static Task WriteAsync(HttpContext context)
    {
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = Document.Length;
        return context.Response.Body.WriteAsync(Document, context.RequestAborted).AsTask();
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    private static byte[] CreateDocument(int size)
    {
        var json = new StringBuilder("{\"id\":1,\"name\":\"item\",\"tags\":[");
        for (var i = 0; json.Length < size - 40; i++)
        {
            json.Append(i == 0 ? "" : ",").Append("\"tag-").Append(i).Append('"');
        }

        json.Append("],\"pad\":\"");
        json.Append('x', Math.Max(0, size - json.Length - 2)).Append("\"}");
        return Encoding.UTF8.GetBytes(json.ToString());
    }
}
