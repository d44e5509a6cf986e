using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using EdgeGateway.Client.Wire;

namespace EdgeGateway.Client.Transports;

/// <summary>
/// An open gateway WebSocket: reads event and control frames until the socket ends, and carries client messages
/// (<c>{"type":"publish"}</c>, answered by <c>ack</c> or <c>error</c> frames with the same <c>ref</c>).
/// </summary>
internal sealed class WebSocketSession(ClientWebSocket socket, ConnectionContext context) : IUpstreamChannel
{
    /// <summary>Close codes after which the gateway does not want the client back (docs/protocol.md, "WebSocket").</summary>
    private static readonly HashSet<int> FinalCloseCodes = [1003, 1007, 1008, 1009, 4401, 4403];

    private const int MaxFrameBytes = 16 * 1024 * 1024;
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, TaskCompletionSource> pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim sendLock = new(1, 1);
    private long nextReference;

    public bool IsOpen => socket.State == WebSocketState.Open;

    public async Task<ConnectionOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var sink = context.Sink;
        sink.Opened(GatewayTransport.WebSocket, this);
        var delivered = false;
        ServerReconnect? advice = null;
        var buffer = new ArrayBufferWriter<byte>(4096);
        using var idle = new TimeoutScope(context.Time, Timeout.InfiniteTimeSpan, cancellationToken);
        try
        {
            while (true)
            {
                buffer.ResetWrittenCount();
                ValueWebSocketReceiveResult result;
                do
                {
                    // The timer runs only while waiting for the network: a reader that is slow to take events is not a dead socket.
                    idle.Arm(context.IdleTimeout);
                    result = await socket.ReceiveAsync(buffer.GetMemory(4096), idle.Token);
                    idle.Disarm();
                    buffer.Advance(result.Count);
                    if (buffer.WrittenCount > MaxFrameBytes)
                    {
                        socket.Abort();
                        return ConnectionOutcome.Broken(delivered, GatewayFallbackReason.Error);
                    }
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return await ClosedAsync(delivered, advice);
                }

                delivered = true;
                if (result.MessageType == WebSocketMessageType.Text)
                {
                    advice = await HandleFrameAsync(buffer.WrittenMemory, cancellationToken) ?? advice;
                }
            }
        }
        catch (OperationCanceledException) when (idle.TimedOut)
        {
            socket.Abort();
            return delivered
                ? ConnectionOutcome.Reconnect(GatewayFallbackReason.NoHeartbeat.Name(), delivered: true)
                : ConnectionOutcome.FallBack(GatewayFallbackReason.NoDelivery);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return advice is not null
                ? ConnectionOutcome.Reconnect(advice.Reason ?? "reconnect", delivered: true, TimeSpan.FromMilliseconds(advice.RetryMs))
                : ConnectionOutcome.Broken(delivered, GatewayFallbackReason.Error, ex) with { AfterOpen = true };
        }
        finally
        {
            sink.Closed();
            foreach (var (_, waiter) in pending)
            {
                waiter.TrySetException(new IOException("The WebSocket closed before the gateway acknowledged the message."));
            }

            if (cancellationToken.IsCancellationRequested)
            {
                await CloseQuietlyAsync();
            }
        }
    }

    public async Task<bool> TryPublishAsync(JsonElement data, string? eventType, CancellationToken cancellationToken)
    {
        var reference = Interlocked.Increment(ref nextReference).ToString(CultureInfo.InvariantCulture);
        var acknowledged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[reference] = acknowledged;
        try
        {
            await sendLock.WaitAsync(cancellationToken);
            try
            {
                if (!IsOpen)
                {
                    return false;
                }

                await socket.SendAsync(WireFrames.Publish(data, eventType, reference), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException)
            {
                // The frame did not leave: the message can go over HTTP instead without risking a duplicate.
                return false;
            }
            finally
            {
                sendLock.Release();
            }

            using var timeout = new TimeoutScope(context.Time, context.Options.ConnectTimeout, cancellationToken);
            try
            {
                await acknowledged.Task.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.TimedOut)
            {
                throw new TimeoutException($"The gateway did not acknowledge the message within {context.Options.ConnectTimeout.TotalSeconds:0.#} s.");
            }

            return true;
        }
        finally
        {
            pending.TryRemove(reference, out _);
        }
    }

    /// <summary>Handles one server frame; returns the reconnect advice when the frame is one.</summary>
    private async ValueTask<ServerReconnect?> HandleFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(frame);
        }
        catch (JsonException)
        {
            // Not the protocol; nothing in it can be acted on.
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type"u8, out var typeElement))
            {
                return null;
            }

            switch (typeElement.GetString())
            {
                case "event":
                    if (String(root, "id") is { } id)
                    {
                        var data = root.TryGetProperty("data"u8, out var d) ? d.Clone() : default;
                        await context.Sink.DeliverAsync(id, String(root, "event") ?? "message", data, cancellationToken);
                    }

                    return null;
                case "reset" when String(root, "cursor") is { } cursor:
                    context.Sink.Reset(cursor);
                    return null;
                case "gap" when String(root, "cursor") is { } cursor:
                    context.Sink.Gap(cursor, root.TryGetProperty("skipped"u8, out var s) && s.TryGetInt64(out var n) ? n : 0);
                    return null;
                case "reconnect":
                    return new ServerReconnect(String(root, "reason"), root.TryGetProperty("retryMs"u8, out var r) && r.TryGetInt64(out var ms) ? ms : 0);
                case "ack" when String(root, "ref") is { } reference && pending.TryGetValue(reference, out var waiter):
                    waiter.TrySetResult();
                    return null;
                case "error" when String(root, "ref") is { } reference && pending.TryGetValue(reference, out var waiter):
                    waiter.TrySetException(new GatewayException($"The gateway refused the message: {String(root, "error")}: {String(root, "message")}")
                    {
                        Error = String(root, "error"),
                    });
                    return null;
                default:
                    // heartbeat, pong, and types a later protocol version may add.
                    return null;
            }
        }
    }

    private async Task<ConnectionOutcome> ClosedAsync(bool delivered, ServerReconnect? advice)
    {
        await CloseQuietlyAsync();
        var code = (int?)socket.CloseStatus ?? 1005;
        if (FinalCloseCodes.Contains(code))
        {
            return ConnectionOutcome.Fail(new GatewayException($"The gateway closed the WebSocket with {code} ({socket.CloseStatusDescription}); not reconnecting.")
            {
                CloseCode = code,
                Error = socket.CloseStatusDescription,
            });
        }

        if (advice is not null)
        {
            return ConnectionOutcome.Reconnect(advice.Reason ?? "reconnect", delivered: true, TimeSpan.FromMilliseconds(advice.RetryMs));
        }

        return delivered
            ? ConnectionOutcome.Reconnect("closed", delivered: true)
            : ConnectionOutcome.FallBack(GatewayFallbackReason.Closed) with { AfterOpen = true };
    }

    /// <summary>Completes the close handshake when the socket still allows it, without letting a dead peer hold us up.</summary>
    private async Task CloseQuietlyAsync()
    {
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        using var timeout = new CancellationTokenSource(CloseTimeout);
        try
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            socket.Abort();
        }
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
