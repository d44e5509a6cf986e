using System.Runtime.CompilerServices;
using System.Threading.Channels;
using EdgeGateway.Client.Transports;

namespace EdgeGateway.Client;

/// <summary>
/// One live subscription to a push route, made by <see cref="GatewayClient.Connect"/>. It connects, falls back, backs off
/// and resumes in the background until it is disposed or fails for good; read its events from <see cref="Events"/>.
/// </summary>
public sealed partial class GatewaySubscription : IAsyncDisposable
{
    private readonly GatewayClient client;
    private readonly SubscribeOptions options;
    private readonly Channel<GatewayEvent> events;
    private readonly CancellationTokenSource lifetime = new();
    private readonly RecentIds recent;
    private readonly Lock gate = new();
    private Task run = Task.CompletedTask;
    private string? cursor;
    private GatewayTransport? transport;
    private IUpstreamChannel? upstream;
    private CancellationTokenSource? connection;
    private bool forced;
    private int enumerated;
    private int disposed;
    private GatewayState state = GatewayState.Connecting;
    private string? lastToken;

    private GatewaySubscription(GatewayClient client, string path, SubscribeOptions options)
    {
        this.client = client;
        this.options = options;
        Path = path;
        cursor = options.Cursor;
        recent = new RecentIds(options.DuplicateWindow);
        events = Channel.CreateBounded<GatewayEvent>(new BoundedChannelOptions(Math.Max(1, options.BufferCapacity))
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>The push route's path, e.g. <c>/orders/42/events</c>.</summary>
    public string Path { get; }

    /// <summary>
    /// The events, in order, without duplicates, across reconnects and transport changes. Enumerate it once. It ends when
    /// the subscription is disposed and throws <see cref="GatewayException"/> (or what else ended it) when it fails.
    /// </summary>
    public IAsyncEnumerable<GatewayEvent> Events => ReadEventsAsync();

    /// <summary>The transport in use now; null while connecting or backing off.</summary>
    public GatewayTransport? Transport
    {
        get
        {
            lock (gate)
            {
                return transport;
            }
        }
    }

    /// <summary>The resume point: the id of the last event received (or the cursor of the last reset or poll answer).</summary>
    public string? Cursor => Volatile.Read(ref cursor);

    /// <summary>The latest state (see <see cref="SubscribeOptions.OnState"/> for every change).</summary>
    public GatewayState State => state;

    /// <summary>
    /// Leaves the current transport for the next one in the chain, as if it had stopped delivering (reported as
    /// <c>forced</c>). Does nothing while no transport is open.
    /// </summary>
    public void ForceFallback()
    {
        lock (gate)
        {
            if (connection is { } current)
            {
                forced = true;
                current.Cancel();
            }
        }
    }

    /// <summary>Stops the subscription: closes the transport and ends <see cref="Events"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await lifetime.CancelAsync();
        await run;
        lifetime.Dispose();
    }

    internal static GatewaySubscription Start(GatewayClient client, string path, SubscribeOptions options)
    {
        var subscription = new GatewaySubscription(client, path, options);
        subscription.run = Task.Run(() => subscription.RunAsync(subscription.lifetime.Token));
        return subscription;
    }

    private async IAsyncEnumerable<GatewayEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref enumerated, 1) != 0)
        {
            throw new InvalidOperationException("A subscription's events can be enumerated once.");
        }

        await foreach (var e in events.Reader.ReadAllAsync(cancellationToken))
        {
            yield return e;
        }
    }

    private void Report(GatewayStateChange change)
    {
        state = change.State;
        options.OnState?.Invoke(change);
    }
}
