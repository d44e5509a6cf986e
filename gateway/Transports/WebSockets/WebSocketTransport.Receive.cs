using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using Gateway.Sessions;
using Gateway.Transports.Upstream;

namespace Gateway.Transports.WebSockets;

/// <summary>The receive side: client frames (publish, ping), size and type limits, and the closing handshake.</summary>
internal sealed partial class WebSocketTransport
{
    /// <summary>Reads client messages until the client closes; returns the close reason the client's behaviour caused, if any.</summary>
    private async Task<CloseReason?> ReceiveLoopAsync(PushContext context, WebSocket socket, WebSocketWriter writer, int maxBytes, int ratePerSecond, CancellationTokenSource sessionEnd)
    {
        var ct = sessionEnd.Token;
        byte[] buffer = [];
        var bucket = new UpstreamBucket(ratePerSecond, host.Services.Time);
        var violations = 0;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                // Wait with a zero-byte read (as SignalR does): an idle socket holds no receive buffer until a message comes.
                if (buffer.Length > 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = [];
                }

                await socket.ReceiveAsync(Memory<byte>.Empty, ct);
                buffer = ArrayPool<byte>.Shared.Rent(4096);
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == buffer.Length)
                    {
                        if (buffer.Length >= maxBytes)
                        {
                            await writer.CloseSocketAsync(WebSocketCloseStatus.MessageTooBig, "message_too_big", CancellationToken.None);
                            await sessionEnd.CancelAsync();
                            return CloseReason.MessageTooBig;
                        }

                        var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes + 1, buffer.Length * 2));
                        buffer.AsSpan(0, length).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(length), ct);
                    length += result.Count;
                    if (length > maxBytes)
                    {
                        await writer.CloseSocketAsync(WebSocketCloseStatus.MessageTooBig, "message_too_big", CancellationToken.None);
                        await sessionEnd.CancelAsync();
                        return CloseReason.MessageTooBig;
                    }
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await sessionEnd.CancelAsync();
                    return CloseReason.ClientClosed;
                }

                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    await writer.CloseSocketAsync(WebSocketCloseStatus.InvalidMessageType, "binary frames are not accepted; send JSON text", CancellationToken.None);
                    await sessionEnd.CancelAsync();
                    return CloseReason.ProtocolError;
                }

                var error = await HandleMessageAsync(context, buffer.AsMemory(0, length), writer, bucket, ct);
                // Malformed messages count toward a cut-off; rate-limited publishes do not (they are well-formed, just too many,
                // and each refusal costs no more than the client's own frame).
                if (error is not null && error != "rate_limited" && ++violations > 100)
                {
                    // A client that keeps sending garbage is cut off instead of being answered forever.
                    await writer.CloseSocketAsync(WebSocketCloseStatus.PolicyViolation, "too many invalid messages", CancellationToken.None);
                    await sessionEnd.CancelAsync();
                    return CloseReason.ProtocolError;
                }
            }

            return null;
        }
        catch (WebSocketException ex) when (ex.Message.Contains("UTF-8", StringComparison.OrdinalIgnoreCase))
        {
            // Invalid UTF-8 in a text frame: the runtime closes with 1007 (RFC 6455 section 8.1).
            await sessionEnd.CancelAsync();
            return CloseReason.ProtocolError;
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            await sessionEnd.CancelAsync();
            return null;
        }
        finally
        {
            if (buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private async Task<string?> HandleMessageAsync(PushContext context, ReadOnlyMemory<byte> message, WebSocketWriter writer, UpstreamBucket bucket, CancellationToken ct)
    {
        string? type = null, reference = null, eventType = null;
        ReadOnlyMemory<byte>? data = null;
        try
        {
            using var doc = JsonDocument.Parse(message);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return await ErrorAsync(writer, "invalid_message", "A message is a JSON object with a \"type\".", null, ct);
            }

            foreach (var p in doc.RootElement.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "type" when p.Value.ValueKind == JsonValueKind.String:
                        type = p.Value.GetString();
                        break;
                    case "ref" when p.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number:
                        reference = p.Value.ToString();
                        if (reference.Length > 128)
                        {
                            reference = reference[..128];
                        }

                        break;
                    case "event" when p.Value.ValueKind == JsonValueKind.String:
                        eventType = p.Value.GetString();
                        break;
                    case "data":
                        data = System.Text.Encoding.UTF8.GetBytes(p.Value.GetRawText());
                        break;
                }
            }
        }
        catch (JsonException)
        {
            return await ErrorAsync(writer, "invalid_json", "The message is not valid JSON.", null, ct);
        }

        switch (type)
        {
            case "ping":
                await writer.SendAsync(WebSocketWriter.Frame(w => w.WriteString("type", "pong")), ct);
                return null;
            case "publish":
                break;
            default:
                return await ErrorAsync(writer, "unknown_type", "Supported message types: publish, ping.", reference, ct);
        }

        if (data is null)
        {
            return await ErrorAsync(writer, "missing_data", "A publish needs a \"data\" field.", reference, ct);
        }

        if (!bucket.TryTake())
        {
            upstream.Count(context.Route, "rate_limited");
            return await ErrorAsync(writer, "rate_limited", "Too many publishes; slow down.", reference, ct);
        }

        var outcome = await upstream.PublishAsync(context, eventType, data.Value, ct);
        if (outcome.Error is not null)
        {
            return await ErrorAsync(writer, outcome.Error, outcome.Message!, reference, ct);
        }

        await writer.SendAsync(WebSocketWriter.Frame(w =>
        {
            w.WriteString("type", "ack");
            if (reference is not null)
            {
                w.WriteString("ref", reference);
            }
        }), ct);
        return null;
    }

    private async Task<string> ErrorAsync(WebSocketWriter writer, string error, string message, string? reference, CancellationToken ct)
    {
        Log.ClientError(logger, error);
        await writer.SendAsync(WebSocketWriter.Error(error, message, reference), ct);
        return error;
    }
}
