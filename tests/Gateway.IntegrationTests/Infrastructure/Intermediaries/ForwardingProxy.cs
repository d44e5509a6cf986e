using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.IntegrationTests.Infrastructure.Intermediaries;

/// <summary>
/// A real HTTP reverse proxy on <c>127.0.0.1:0</c> that forwards every request to one upstream with YARP's
/// <see cref="IHttpForwarder"/> (WebSocket upgrades and streamed responses included). An intercept decides per request
/// whether and how it is forwarded: that is where the intermediaries misbehave as real ones do.
/// </summary>
internal sealed class ForwardingProxy : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly WebApplication app;
    private readonly HttpMessageInvoker invoker;
    private int requestCount;

    private ForwardingProxy(WebApplication app, HttpMessageInvoker invoker)
    {
        this.app = app;
        this.invoker = invoker;
    }

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:40127</c> (no trailing slash).</summary>
    public string Url { get; private set; } = string.Empty;

    /// <summary>Requests received, forwarded or not.</summary>
    public int RequestCount => Volatile.Read(ref requestCount);

    /// <summary>
    /// Starts a proxy to <paramref name="upstreamUrl"/>. <paramref name="intercept"/> gets each request and a delegate that
    /// forwards it; it may answer by itself instead, or change the request or response around the forwarding.
    /// </summary>
    public static async Task<ForwardingProxy> StartAsync(
        string upstreamUrl,
        Func<HttpContext, Func<Task>, Task> intercept,
        string name,
        ITestOutputHelper? output,
        CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddProvider(new TestLoggerProvider(name, output));
        builder.Services.AddHttpForwarder();

        // As YARP configures its own clients: no proxy, cookies, redirects or decompression between us and the upstream.
        var invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ActivityHeadersPropagator = null,
            ConnectTimeout = TimeSpan.FromSeconds(15),
        });
        var proxy = new ForwardingProxy(builder.Build(), invoker);
        var forwarder = proxy.app.Services.GetRequiredService<IHttpForwarder>();
        var config = new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromMinutes(2) };
        proxy.app.Run(context =>
        {
            Interlocked.Increment(ref proxy.requestCount);
            return intercept(context, async () =>
            {
                var error = await forwarder.SendAsync(context, upstreamUrl, invoker, config, HttpTransformer.Default);
                if (error != ForwarderError.None && !context.RequestAborted.IsCancellationRequested)
                {
                    TestOutput.TryWriteLine(output, $"[{name}] forwarding {context.Request.Method} {context.Request.Path} failed: {error}");
                }
            });
        });

        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(StartTimeout);
            await proxy.app.StartAsync(cts.Token);
            proxy.Url = proxy.app.Urls.Single().TrimEnd('/');
            return proxy;
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
    }

    /// <summary>True for an HTTP/1.1 WebSocket handshake (the proxy runs no WebSocket middleware, so it reads the headers).</summary>
    public static bool IsWebSocketUpgrade(HttpRequest request) =>
        request.Headers.Upgrade.Any(v => v is not null && v.Contains("websocket", StringComparison.OrdinalIgnoreCase));

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(StopTimeout);
            await app.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            // Streams still open after the timeout are aborted by DisposeAsync below.
        }
        finally
        {
            await app.DisposeAsync();
            invoker.Dispose();
        }
    }
}
