using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// A small real HTTP backend for the gateway to proxy to: Kestrel on <c>127.0.0.1:0</c>, endpoints mapped by the
/// test, and a record of every request it received (how many, which, with which headers).
/// </summary>
internal sealed class TestBackend : IAsyncDisposable
{
    private const int MaxRecorded = 10_000;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly WebApplication app;
    private readonly ConcurrentQueue<TestBackendRequest> requests = new();
    private int requestCount;

    private TestBackend(WebApplication app) => this.app = app;

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:40126</c> (no trailing slash): the destination address for a YARP cluster.</summary>
    public string Url { get; private set; } = string.Empty;

    /// <summary>How many requests arrived since start or the last <see cref="ResetCounts"/>.</summary>
    public int RequestCount => Volatile.Read(ref requestCount);

    /// <summary>The requests received (the most recent 10,000), oldest first.</summary>
    public IReadOnlyList<TestBackendRequest> Requests => [.. requests];

    public IServiceProvider Services => app.Services;

    /// <summary>
    /// Starts a backend whose endpoints <paramref name="map"/> adds (<c>app.MapGet(...)</c>, middleware ...);
    /// requests are counted before they reach them.
    /// </summary>
    public static async Task<TestBackend> StartAsync(
        Action<WebApplication> map, ITestOutputHelper? output = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddProvider(new TestLoggerProvider("backend", output));
        var backend = new TestBackend(builder.Build());
        backend.app.Use(async (context, next) =>
        {
            backend.Record(context.Request);
            await next(context);
        });
        map(backend.app);
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(StartTimeout);
            await backend.app.StartAsync(cts.Token);
            backend.Url = backend.app.Urls.Single().TrimEnd('/');
            return backend;
        }
        catch
        {
            await backend.app.DisposeAsync();
            throw;
        }
    }

    /// <summary>How many recorded requests were for exactly <paramref name="path"/> (query string ignored).</summary>
    public int CountRequests(string path) => requests.Count(r => string.Equals(r.Path, path, StringComparison.Ordinal));

    public void ResetCounts()
    {
        requests.Clear();
        Interlocked.Exchange(ref requestCount, 0);
    }

    public async ValueTask DisposeAsync()
    {
        using (var cts = new CancellationTokenSource(StopTimeout))
        {
            await app.StopAsync(cts.Token);
        }

        await app.DisposeAsync();
    }

    private void Record(HttpRequest request)
    {
        Interlocked.Increment(ref requestCount);
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        requests.Enqueue(new TestBackendRequest(request.Method, request.Path.Value ?? string.Empty, request.QueryString.Value ?? string.Empty, headers));
        while (requests.Count > MaxRecorded && requests.TryDequeue(out _))
        {
        }
    }
}
