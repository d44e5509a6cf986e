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
            if (refusal == UpgradeRefusal.Drop)
            {
                context.Abort();
                return;
            }

            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("WebSockets are not allowed through this proxy.", context.RequestAborted);
        }, "upgrade-refusing-proxy", output, cancellationToken);
        return new UpgradeRefusingProxy(proxy, refused);
    }

    public ValueTask DisposeAsync() => proxy.DisposeAsync();

    private sealed class RefusalCounter
    {
        private int count;

        public int Count => Volatile.Read(ref count);

        public void Increment() => Interlocked.Increment(ref count);
    }
}
