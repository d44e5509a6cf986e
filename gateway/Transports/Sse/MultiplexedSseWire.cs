using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Gateway.Routing;
using Gateway.Sessions;

namespace Gateway.Transports.Sse;

/// <summary>
/// A multiplexed stream over Server-Sent Events (docs/protocol.md): each event's <c>data</c> is
/// <c>{"path":...,"id":...,"data":&lt;payload&gt;}</c> and its <c>id:</c> the composite cursor after it, so
/// <c>EventSource</c>'s own reconnect (<c>Last-Event-ID</c>) resumes every subscription. Sessions write concurrently;
/// one gate serialises them, and the composite cursor moves under it with what was written.
/// </summary>
internal sealed class MultiplexedSseWire(HttpContext http, TimeSpan heartbeat, TimeProvider time) : MultiplexedWire(http.RequestAborted)
{
    private static readonly byte[] Heartbeat = ": heartbeat\n\n"u8.ToArray();
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);
    private readonly PipeWriter _output = http.Response.BodyWriter;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _lastWrite = time.GetTimestamp();

    public override TransportKind Transport => TransportKind.Sse;

    /// <summary>Opens the stream: status, headers and the <c>retry:</c> line.</summary>
    public static async ValueTask<MultiplexedSseWire?> OpenAsync(HttpContext http, PushOptions options, TimeProvider time)
    {
        SseTransport.StartStream(http, options.ReconnectDelay);
        var flushed = await http.Response.BodyWriter.FlushAsync(http.RequestAborted);
        return flushed.IsCompleted || flushed.IsCanceled ? null : new MultiplexedSseWire(http, options.HeartbeatInterval, time);
    }

    public override async ValueTask WriteEventsAsync(PathWriter path, IReadOnlyList<EventEntry> events, Cursor cursor, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var pathJson = JsonSerializer.Serialize(path.Path, EventJsonContext.Default.String);
            var sb = new StringBuilder(256);
            for (var i = 0; i < events.Count; i++)
            {
                var entry = events[i];
                var composite = Advance(path, Cursor.Parse(entry.Id, out var id) == CursorParse.Valid ? id : cursor);
                var payload = entry.IsJson ? Utf8.GetString(entry.Source.Data.Span) : JsonSerializer.Serialize(Utf8.GetString(entry.Source.Data.Span), EventJsonContext.Default.String);
                sb.Clear();
                sb.Append("id: ").Append(composite).Append('\n');
                sb.Append("event: ").Append(entry.Source.EventType).Append('\n');
                EventEncoding.AppendData(sb, $"{{\"path\":{pathJson},\"id\":\"{entry.Id}\",\"data\":{payload}}}");
                sb.Append('\n');
                _output.Write(Utf8.GetBytes(sb.ToString()));
            }

            Advance(path, cursor);
            await FlushAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override async ValueTask WriteHeartbeatAsync(CancellationToken cancellationToken)
    {
        if (time.GetElapsedTime(Volatile.Read(ref _lastWrite)) < heartbeat / 2)
        {
            return;
        }

        await WriteAsync(Heartbeat, cancellationToken);
    }

    public override async ValueTask WritePathSignalAsync(PathWriter path, PathSignal signal, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var (name, composite) = signal.Kind switch
            {
                PathSignalKind.Reset => ("gateway.reset", Advance(path, signal.Cursor)),
                PathSignalKind.Gap => ("gateway.gap", Advance(path, signal.Cursor)),
                _ => ("gateway.reconnect", CompositeText()),
            };
            var data = Utf8.GetString(SignalFrame(signal.Kind.ToString().ToLowerInvariant(), path.Path, signal.Cursor.ToString(), signal));
            _output.Write(Utf8.GetBytes($"id: {composite}\nevent: {name}\ndata: {data}\n\n"));
            await FlushAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The first thing after the subscriptions: an <c>id:</c> with the composite cursor of their start points (so a drop
    /// before any event still resumes from there) and <c>gateway.subscribed</c> listing them.
    /// </summary>
    public async ValueTask WriteSubscribedAsync(IReadOnlyList<(string Path, Cursor Cursor)> subscribed, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(128);
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteStartArray("subscriptions");
            foreach (var (path, cursor) in subscribed)
            {
                w.WriteStartObject();
                w.WriteString("path", path);
                w.WriteString("cursor", cursor.ToString());
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        await WriteAsync(Utf8.GetBytes($"id: {CompositeText()}\nevent: gateway.subscribed\ndata: {Utf8.GetString(stream.ToArray())}\n\n"), cancellationToken);
    }

    // Subscriptions are named by the request and answered together (WriteSubscribedAsync), not one by one.
    public override ValueTask WriteSubscribedAsync(PathWriter path, Cursor cursor, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public override ValueTask WriteRefusedAsync(string path, SubscriptionRefusal refusal, CancellationToken cancellationToken) =>
        WriteAsync(Utf8.GetBytes($"event: gateway.error\ndata: {Utf8.GetString(ErrorFrame(path, refusal))}\n\n"), cancellationToken);

    // An SSE stream's subscriptions change only by reopening it with another set.
    public override ValueTask WriteUnsubscribedAsync(string path, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    protected override ValueTask WriteConnectionCloseAsync(CloseReason reason, TimeSpan retryAfter, CancellationToken cancellationToken)
    {
        if (!reason.AdvisesReconnect())
        {
            return ValueTask.CompletedTask;
        }

        var ms = ((long)retryAfter.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        return WriteAsync(Utf8.GetBytes($"retry: {ms}\nevent: gateway.reconnect\ndata: {{\"reason\":\"{reason.Name()}\",\"retryMs\":{ms}}}\n\n"), cancellationToken);
    }

    public override void Abort() => http.Abort();

    public override ValueTask<CloseReason> CompleteAsync(CloseReason reason) => ValueTask.FromResult(reason);

    public override async ValueTask DisposeAsync()
    {
        _gate.Dispose();
        await base.DisposeAsync();
    }

    private async ValueTask WriteAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _output.Write(bytes);
            await FlushAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _lastWrite, time.GetTimestamp());
        var result = await _output.FlushAsync(cancellationToken);
        if (result.IsCompleted || result.IsCanceled)
        {
            throw new OperationCanceledException("The client went away.");
        }
    }
}
