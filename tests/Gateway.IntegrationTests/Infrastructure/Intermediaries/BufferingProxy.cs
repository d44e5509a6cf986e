using Microsoft.AspNetCore.Http.Features;

namespace Gateway.IntegrationTests.Infrastructure.Intermediaries;

/// <summary>
/// An intermediary that forwards everything to its upstream (WebSocket upgrades included) but buffers
/// <c>text/event-stream</c> response bodies until the upstream response ends: the headers arrive, the events do not.
/// Other responses pass through unchanged. The network on which a client must notice that SSE connects but does not
/// deliver and fall back to long polling.
/// </summary>
internal sealed class BufferingProxy : IIntermediary
{
    private readonly ForwardingProxy proxy;
    private readonly HeldCounter held;

    private BufferingProxy(ForwardingProxy proxy, HeldCounter held)
    {
        this.proxy = proxy;
        this.held = held;
    }

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:40129</c> (no trailing slash).</summary>
    public string Url => proxy.Url;

    /// <summary>Requests received.</summary>
    public int RequestCount => proxy.RequestCount;

    /// <summary>Event-stream responses whose bodies were held back.</summary>
    public int BufferedStreams => held.Count;

    public static async Task<BufferingProxy> StartAsync(string upstreamUrl, ITestOutputHelper? output = null, CancellationToken cancellationToken = default)
    {
        var held = new HeldCounter();
        var proxy = await ForwardingProxy.StartAsync(upstreamUrl, async (context, forward) =>
        {
            var original = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
            await using var body = new EventStreamHoldingBody(original, context.Response, held.Increment);
            var feature = new StreamResponseBodyFeature(body, original);
            context.Features.Set<IHttpResponseBodyFeature>(feature);
            try
            {
                await forward();
                if (!context.RequestAborted.IsCancellationRequested)
                {
                    // The upstream response is complete: what the proxy held goes out now, as a buffering proxy's does.
                    await feature.CompleteAsync();
                    await body.ReleaseAsync(context.RequestAborted);
                }
            }
            finally
            {
                context.Features.Set(original);
            }
        }, "buffering-proxy", output, cancellationToken);
        return new BufferingProxy(proxy, held);
    }

    public ValueTask DisposeAsync() => proxy.DisposeAsync();

    private sealed class HeldCounter
    {
        private int count;

        public int Count => Volatile.Read(ref count);

        public void Increment() => Interlocked.Increment(ref count);
    }
}
