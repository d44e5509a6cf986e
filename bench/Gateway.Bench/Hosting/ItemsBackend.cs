using System.Globalization;
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
/// A plain REST backend inside the benchmark's process (Kestrel on 127.0.0.1:0, no NATS): <c>GET</c> and <c>PUT</c>
/// <c>/items/{id}</c>. Every PUT bumps one version counter and answers 200 with the strong ETag <c>"&lt;version&gt;"</c>,
/// so the <c>changed</c> event the gateway publishes (which carries the ETag) names the write it reports.
/// Item <c>1</c> exists from the start (version 0).
/// </summary>
internal sealed class ItemsBackend : IAsyncDisposable
{
    private const int MaxBodyBytes = 64 * 1024;

    private readonly Dictionary<string, (long Version, string Json)> _items = new(StringComparer.Ordinal) { ["1"] = (0, "{\"id\":\"1\",\"version\":0}") };
    private readonly Lock _lock = new();
    private readonly WebApplication _app;
    private long _version;
    private long _gets;

    private ItemsBackend(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = new("http://127.0.0.1");

    public long Puts => Interlocked.Read(ref _version);

    /// <summary>GETs answered (the polling scenario shows its polls never reach the backend).</summary>
    public long Gets => Interlocked.Read(ref _gets);

    public static async Task<ItemsBackend> StartAsync(CancellationToken cancellationToken)
    {
        // No configuration sources: the repository root's appsettings.json would otherwise bind the gateway's Kestrel
        // endpoints (8080/8081) here.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var backend = new ItemsBackend(app);
        app.MapGet("/items/{id}", backend.GetAsync);
        app.MapPut("/items/{id}", backend.PutAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        backend.Url = new Uri(address);
        return backend;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    private Task GetAsync(HttpContext context, string id)
    {
        Interlocked.Increment(ref _gets);
        (long Version, string Json) item;
        lock (_lock)
        {
            if (!_items.TryGetValue(id, out item))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
        }

        return WriteAsync(context, item.Version, item.Json);
    }

    private async Task PutAsync(HttpContext context, string id)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        if (body.Length > MaxBodyBytes)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return;
        }

        var version = Interlocked.Increment(ref _version);
        var json = $"{{\"id\":\"{id}\",\"version\":{version.ToString(CultureInfo.InvariantCulture)},\"body\":{(body.Length > 0 ? Encoding.UTF8.GetString(body.ToArray()) : "null")}}}";
        lock (_lock)
        {
            _items[id] = (version, json);
        }

        await WriteAsync(context, version, json);
    }

    private static Task WriteAsync(HttpContext context, long version, string json)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.Headers.ETag = "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";
        return context.Response.WriteAsync(json, context.RequestAborted);
    }
}
