using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.IntegrationTests.Infrastructure.Intermediaries;

/// <summary>
/// An intermediary that forwards everything to its upstream except WebSocket handshakes, which it refuses (403) or drops:
/// the network on which a client must notice that WebSocket does not work and fall back to SSE.
/// </summary>
internal sealed class UpgradeRefusingProxy : IIntermediary
{
    private readonly ForwardingProxy proxy;
    private readonly RefusalCounter refused;

    private UpgradeRefusingProxy(ForwardingProxy proxy, RefusalCounter refused)
    {
        this.proxy = proxy;
        this.refused = refused;
    }

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:40128</c> (no trailing slash); point the client here instead of at the gateway.</summary>
    public string Url => proxy.Url;

    /// <summary>Requests received, refused upgrades included.</summary>
    public int RequestCount => proxy.RequestCount;

    /// <summary>WebSocket handshakes refused.</summary>
    public int RefusedUpgrades => refused.Count;

    public static async Task<UpgradeRefusingProxy> StartAsync(
        string upstreamUrl, UpgradeRefusal refusal = UpgradeRefusal.Forbidden, ITestOutputHelper? output = null, CancellationToken cancellationToken = default)
    {
        var refused = new RefusalCounter();
        var proxy = await ForwardingProxy.StartAsync(upstreamUrl, async (context, forward) =>
        {
            if (!ForwardingProxy.IsWebSocketUpgrade(context.Request))
            {
                await forward();
                return;
            }

            refused.Increment();
            switch (refusal)
            {
                case UpgradeRefusal.Drop:
                    context.Abort();
                    return;
                case UpgradeRefusal.AcceptThenClose:
                    await AcceptThenCloseAsync(context);
                    return;
            }

            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("WebSockets are not allowed through this proxy.", context.RequestAborted);
        }, "upgrade-refusing-proxy", output, cancellationToken);
        return new UpgradeRefusingProxy(proxy, refused);
    }

    public ValueTask DisposeAsync() => proxy.DisposeAsync();

    private static async Task AcceptThenCloseAsync(HttpContext context)
    {
        // RFC 6455 section 4.2.2: the accept value proves the handshake was understood, so the client's socket opens.
        // The protocol fixes SHA-1 here; it is a handshake checksum, not security.
        var key = context.Request.Headers["Sec-WebSocket-Key"].ToString();
#pragma warning disable CA5350
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350
        context.Response.Headers.Connection = "Upgrade";
        context.Response.Headers.Upgrade = "websocket";
        context.Response.Headers["Sec-WebSocket-Accept"] = accept;
        var upgrade = context.Features.GetRequiredFeature<IHttpUpgradeFeature>();
        await using var stream = await upgrade.UpgradeAsync();
    }

    private sealed class RefusalCounter
    {
        private int count;

        public int Count => Volatile.Read(ref count);

        public void Increment() => Interlocked.Increment(ref count);
    }
}
