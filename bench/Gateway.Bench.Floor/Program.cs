using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Threading.Channels;
using NATS.Client.Core;

// The fan-out floor: one NATS subscription on floor.>, each message relayed to every SSE or WebSocket client of its
// channel (floor.{channel} -> GET /sub/{channel}). Nothing else: no ids, resume, auth, limits, heartbeats or metrics.
// Usage: Gateway.Bench.Floor --urls URL --nats URL
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.UseKestrel(k => k.AddServerHeader = false);
var natsUrl = builder.Configuration["nats"] ?? throw new InvalidOperationException("--nats URL is required.");
var app = builder.Build();
app.UseWebSockets();

var channels = new ConcurrentDictionary<string, FloorChannel>(StringComparer.Ordinal);
await using var nats = new NatsConnection(new NatsOpts { Url = natsUrl, Name = "bench-floor" });
await nats.ConnectAsync();
var relay = Task.Run(async () =>
{
    await foreach (var msg in nats.SubscribeAsync<byte[]>("floor.>"))
    {
        if (msg.Data is { } payload && channels.TryGetValue(msg.Subject["floor.".Length..], out var channel))
        {
            channel.Publish(payload);
        }
    }
});

app.MapGet("/healthz", () => "ok");
app.MapGet("/counters", () => FormattableString.Invariant($"{GC.GetTotalAllocatedBytes()} {ThreadPool.CompletedWorkItemCount}"));
app.MapGet("/stats/{channel}", (string channel) => channels.TryGetValue(channel, out var c) ? c.Count : 0);
app.MapGet("/sub/{channel}", async (HttpContext context, string channel) =>
{
    var subscriber = new FloorSubscriber();
    var target = channels.GetOrAdd(channel, _ => new FloorChannel());
    if (context.WebSockets.IsWebSocketRequest)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        target.Add(subscriber);
        try
        {
            await subscriber.RunAsync(socket, context.RequestAborted);
        }
        finally
        {
            target.Remove(subscriber);
        }

        return;
    }

    context.Response.ContentType = "text/event-stream";
    context.Response.Headers.CacheControl = "no-cache";
    await context.Response.Body.FlushAsync(context.RequestAborted);
    target.Add(subscriber);
    try
    {
        await subscriber.RunAsync(context.Response.BodyWriter, context.RequestAborted);
    }
    finally
    {
        target.Remove(subscriber);
    }
});

await app.RunAsync();
await nats.DisposeAsync();
await relay.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);

/// <summary>The clients of one channel; the array is replaced on change, so publishing reads it without a lock.</summary>
internal sealed class FloorChannel
{
    private readonly Lock _lock = new();
    private FloorSubscriber[] _subscribers = [];

    public int Count => Volatile.Read(ref _subscribers).Length;

    public void Add(FloorSubscriber subscriber)
    {
        lock (_lock)
        {
            _subscribers = [.. _subscribers, subscriber];
        }
    }

    public void Remove(FloorSubscriber subscriber)
    {
        lock (_lock)
        {
            _subscribers = [.. _subscribers.Where(s => s != subscriber)];
        }
    }

    public void Publish(byte[] payload)
    {
        var message = new FloorMessage(payload);
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.Enqueue(message);
        }
    }
}

/// <summary>One message, framed once per wire format for all the channel's clients.</summary>
internal sealed class FloorMessage(byte[] payload)
{
    private byte[]? _sse;

    public byte[] Payload => payload;

    public byte[] Sse => _sse ??= [.. "data: "u8, .. payload, .. "\n\n"u8];
}

/// <summary>One client: a bounded queue drained by one writer loop, each wake-up written with one flush.</summary>
internal sealed class FloorSubscriber
{
    private readonly Channel<FloorMessage> _queue = Channel.CreateBounded<FloorMessage>(
        new BoundedChannelOptions(1024) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest });

    public void Enqueue(FloorMessage message) => _queue.Writer.TryWrite(message);

    public async Task RunAsync(System.IO.Pipelines.PipeWriter body, CancellationToken cancellationToken)
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(cancellationToken))
            {
                while (_queue.Reader.TryRead(out var message))
                {
                    body.Write(message.Sse);
                }

                await body.FlushAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task RunAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var receive = ReceiveUntilCloseAsync(socket, closed);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(closed.Token))
            {
                while (_queue.Reader.TryRead(out var message))
                {
                    await socket.SendAsync(message.Payload, WebSocketMessageType.Text, endOfMessage: true, closed.Token);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }

        await closed.CancelAsync();
        await receive;
    }

    private static async Task ReceiveUntilCloseAsync(WebSocket socket, CancellationTokenSource closed)
    {
        var buffer = new byte[16];
        try
        {
            while (!closed.IsCancellationRequested)
            {
                var result = await socket.ReceiveAsync(buffer, closed.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }

        await closed.CancelAsync();
    }
}
