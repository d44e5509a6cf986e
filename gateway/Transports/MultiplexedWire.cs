using System.Text;
using System.Text.Json;
using Gateway.Routing;
using Gateway.Sessions;

namespace Gateway.Transports;

/// <summary>
/// One wire carrying several subscriptions (docs/protocol.md "One connection, many subscriptions"). Every subscription is
/// its own session; each writes through a <see cref="PathWriter"/> that tags its frames with the path and funnels into
/// this wire, which serialises the writes and keeps the composite cursor of everything written so far. A close that
/// concerns one subscription (its transport switched off, its route removed, its subject's feed failed) is a frame for
/// that path; one that concerns the connection (drain, token expiry, shutdown) closes the wire once, for all.
/// </summary>
internal abstract class MultiplexedWire : IAsyncDisposable
{
    private readonly CancellationTokenSource _closed = new();
    private int _closing;

    protected MultiplexedWire(CancellationToken ended)
    {
        Ended = ended;
        Stopping = CancellationTokenSource.CreateLinkedTokenSource(ended, _closed.Token);
    }

    public abstract TransportKind Transport { get; }

    /// <summary>The client is gone or the request is over.</summary>
    public CancellationToken Ended { get; }

    /// <summary>The connection ends: the client left, or the gateway closed the whole wire.</summary>
    public CancellationTokenSource Stopping { get; }

    /// <summary>The composite cursor of everything written; only touched under the wire's write serialisation.</summary>
    protected CompositeCursor Cursors { get; } = new();

    /// <summary>The writer for one subscription, starting at <paramref name="start"/> (entered in the composite cursor).</summary>
    public PathWriter ForPath(string path, Cursor start)
    {
        lock (Cursors)
        {
            Cursors.Set(path, start);
        }

        return new PathWriter(this, path);
    }

    /// <summary>Drops an ended subscription from the composite cursor.</summary>
    public void Remove(string path)
    {
        lock (Cursors)
        {
            Cursors.Remove(path);
        }
    }

    public abstract ValueTask WriteSubscribedAsync(PathWriter path, Cursor cursor, CancellationToken cancellationToken);

    public abstract ValueTask WriteRefusedAsync(string path, SubscriptionRefusal refusal, CancellationToken cancellationToken);

    public abstract ValueTask WriteUnsubscribedAsync(string path, CancellationToken cancellationToken);

    public abstract ValueTask WriteEventsAsync(PathWriter path, IReadOnlyList<EventEntry> events, Cursor cursor, CancellationToken cancellationToken);

    public abstract ValueTask WriteHeartbeatAsync(CancellationToken cancellationToken);

    /// <summary>A reset, gap or per-path reconnect frame (<paramref name="type"/>), tagged with the path.</summary>
    public abstract ValueTask WritePathSignalAsync(PathWriter path, PathSignal signal, CancellationToken cancellationToken);

    /// <summary>Closes the whole wire with reconnect advice where the reason calls for it.</summary>
    protected abstract ValueTask WriteConnectionCloseAsync(CloseReason reason, TimeSpan retryAfter, CancellationToken cancellationToken);

    public abstract void Abort();

    /// <summary>Finishes the wire after every session ended; returns the reason to record.</summary>
    public abstract ValueTask<CloseReason> CompleteAsync(CloseReason reason);

    public virtual ValueTask DisposeAsync()
    {
        Stopping.Dispose();
        _closed.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>True when a session's close ends the connection rather than one subscription.</summary>
    public static bool EndsConnection(CloseReason reason) =>
        reason is CloseReason.Draining or CloseReason.Shutdown or CloseReason.TokenExpired or CloseReason.Timeout or CloseReason.Error
            or CloseReason.ClientClosed or CloseReason.ProtocolError or CloseReason.MessageTooBig;

    /// <summary>Closes the whole connection once, whichever session asked first; the others find it closing.</summary>
    public async ValueTask CloseConnectionAsync(CloseReason reason, TimeSpan retryAfter, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1)
        {
            return;
        }

        try
        {
            await WriteConnectionCloseAsync(reason, retryAfter, cancellationToken);
        }
        finally
        {
            await _closed.CancelAsync();
        }
    }

    /// <summary>Records <paramref name="cursor"/> for <paramref name="path"/>; the composite text after it.</summary>
    protected string Advance(PathWriter path, Cursor cursor)
    {
        lock (Cursors)
        {
            Cursors.Set(path.Path, cursor);
            return Cursors.ToString();
        }
    }

    protected string CompositeText()
    {
        lock (Cursors)
        {
            return Cursors.ToString();
        }
    }

    /// <summary>An error frame for one path, as a JSON object (WebSocket frame, poll item).</summary>
    protected static byte[] ErrorFrame(string path, SubscriptionRefusal refusal)
    {
        using var stream = new MemoryStream(128);
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("type", "error");
            w.WriteString("path", path);
            w.WriteString("error", refusal.Error);
            w.WriteNumber("status", refusal.Status);
            w.WriteString("message", refusal.Message);
            if (refusal.Allowed is { } allowed)
            {
                w.WriteStartArray("allowed");
                foreach (var a in allowed)
                {
                    w.WriteStringValue(a);
                }

                w.WriteEndArray();
            }

            if (refusal.RetryAfter is { } retry)
            {
                w.WriteNumber("retryMs", (long)retry.TotalMilliseconds);
            }

            w.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>A path-tagged control frame as a JSON object: reset, gap, reconnect, subscribed, unsubscribed.</summary>
    protected static byte[] SignalFrame(string type, string path, string? cursor, PathSignal? signal = null)
    {
        using var stream = new MemoryStream(96);
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("type", type);
            w.WriteString("path", path);
            if (cursor is not null)
            {
                w.WriteString("cursor", cursor);
            }

            if (signal is { Kind: PathSignalKind.Gap } gap)
            {
                w.WriteNumber("skipped", gap.Skipped);
            }

            if (signal is { Kind: PathSignalKind.Reconnect } reconnect)
            {
                w.WriteString("reason", reconnect.Reason.Name());
                w.WriteNumber("retryMs", (long)reconnect.RetryAfter.TotalMilliseconds);
            }

            w.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>The UTF-8 of <c>{"path":"...",</c>: put before an event's shared JSON (without its <c>{</c>) to tag it.</summary>
    internal static byte[] PathPrefix(string path) =>
        Encoding.UTF8.GetBytes("{\"path\":" + JsonSerializer.Serialize(path, EventJsonContext.Default.String) + ",");
}

/// <summary>Why a subscription was refused: the error code, the HTTP status it stands for, and for transports the allowed list.</summary>
internal sealed record SubscriptionRefusal(string Error, int Status, string Message, IReadOnlyList<string>? Allowed = null, TimeSpan? RetryAfter = null);

internal enum PathSignalKind
{
    Reset,
    Gap,
    Reconnect,
}

/// <summary>A control signal for one subscription.</summary>
internal readonly record struct PathSignal(PathSignalKind Kind, Cursor Cursor, long Skipped = 0, CloseReason Reason = CloseReason.Completed, TimeSpan RetryAfter = default);

/// <summary>
/// The writer of one subscription on a multiplexed wire: the session sees an ordinary <see cref="ISessionWriter"/>; every
/// frame it writes carries its path.
/// </summary>
internal sealed class PathWriter(MultiplexedWire wire, string path) : ISessionWriter
{
    public string Path => path;

    /// <summary><c>{"path":"...",</c> in UTF-8, made once per subscription.</summary>
    public byte[] Prefix { get; } = MultiplexedWire.PathPrefix(path);

    public TransportKind Transport => wire.Transport;

    public ValueTask WriteEventsAsync(IReadOnlyList<EventEntry> events, Cursor cursor, CancellationToken cancellationToken) =>
        wire.WriteEventsAsync(this, events, cursor, cancellationToken);

    public ValueTask WriteHeartbeatAsync(CancellationToken cancellationToken) => wire.WriteHeartbeatAsync(cancellationToken);

    public ValueTask WriteResetAsync(Cursor cursor, CancellationToken cancellationToken) =>
        wire.WritePathSignalAsync(this, new PathSignal(PathSignalKind.Reset, cursor), cancellationToken);

    public ValueTask WriteGapAsync(Cursor cursor, long skipped, CancellationToken cancellationToken) =>
        wire.WritePathSignalAsync(this, new PathSignal(PathSignalKind.Gap, cursor, skipped), cancellationToken);

    public ValueTask CloseAsync(CloseReason reason, TimeSpan retryAfter, Cursor cursor, CancellationToken cancellationToken) =>
        MultiplexedWire.EndsConnection(reason)
            ? wire.CloseConnectionAsync(reason, retryAfter, cancellationToken)
            : wire.WritePathSignalAsync(this, new PathSignal(PathSignalKind.Reconnect, cursor, 0, reason, retryAfter), cancellationToken);
}
