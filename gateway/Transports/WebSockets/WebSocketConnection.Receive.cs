using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using Gateway.Sessions;

namespace Gateway.Transports.WebSockets;

/// <summary>The receive side: client frames (publish, ping), size and type limits, and the closing handshake.</summary>
internal sealed partial class WebSocketConnection
{
    public void StartReceiving(int maxBytes) => _receive = ReceiveLoopAsync(maxBytes);

    /// <summary>Reads client messages until the client closes; returns the close reason the client's behaviour caused, if any.</summary>
    private async Task<CloseReason?> ReceiveLoopAsync(int maxBytes)
    {
        var ct = _end.Token;
        byte[] buffer = [];
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

                await _socket.ReceiveAsync(Memory<byte>.Empty, ct);
                buffer = ArrayPool<byte>.Shared.Rent(4096);
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == buffer.Length)
                    {
                        if (buffer.Length >= maxBytes)
                        {
                            return await EndAsync(WebSocketCloseStatus.MessageTooBig, "message_too_big", CloseReason.MessageTooBig);
                        }

                        var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes + 1, buffer.Length * 2));
                        buffer.AsSpan(0, length).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }

                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), ct);
                    length += result.Count;
                    if (length > maxBytes)
                    {
                        return await EndAsync(WebSocketCloseStatus.MessageTooBig, "message_too_big", CloseReason.MessageTooBig);
                    }
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await _end.CancelAsync();
                    return CloseReason.ClientClosed;
                }

                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    return await EndAsync(WebSocketCloseStatus.InvalidMessageType, "binary frames are not accepted; send JSON text", CloseReason.ProtocolError);
                }

                var error = await HandleMessageAsync(buffer.AsMemory(0, length), ct);

                // Malformed messages count toward a cut-off; rate-limited publishes do not (they are well-formed, just too many,
                // and each refusal costs no more than the client's own frame).
                if (error is not null && error != "rate_limited" && ++violations > 100)
                {
                    // A client that keeps sending garbage is cut off instead of being answered forever.
                    return await EndAsync(WebSocketCloseStatus.PolicyViolation, "too many invalid messages", CloseReason.ProtocolError);
                }
            }

            return null;
        }
        catch (WebSocketException ex) when (ex.Message.Contains("UTF-8", StringComparison.OrdinalIgnoreCase))
        {
            // Invalid UTF-8 in a text frame: the runtime closes with 1007 (RFC 6455 section 8.1).
            await _end.CancelAsync();
            return CloseReason.ProtocolError;
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            await _end.CancelAsync();
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

    private async Task<CloseReason?> EndAsync(WebSocketCloseStatus status, string description, CloseReason reason)
    {
        await CloseSocketAsync(status, description, CancellationToken.None);
        await _end.CancelAsync();
        return reason;
    }

    private async Task<string?> HandleMessageAsync(ReadOnlyMemory<byte> message, CancellationToken ct)
    {
        string? type = null, reference = null, eventType = null, path = null, cursor = null;
        ReadOnlyMemory<byte>? data = null;
        try
        {
            using var doc = JsonDocument.Parse(message);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return await ErrorAsync("invalid_message", "A message is a JSON object with a \"type\".", null, ct);
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
                    case "path" when p.Value.ValueKind == JsonValueKind.String:
                        path = p.Value.GetString();
                        break;
                    case "cursor" when p.Value.ValueKind == JsonValueKind.String:
                        cursor = p.Value.GetString();
                        break;
                }
            }
        }
        catch (JsonException)
        {
            return await ErrorAsync("invalid_json", "The message is not valid JSON.", null, ct);
        }

        // A multiplexed stream names the subscription every message is for (docs/protocol.md); its subscribe and unsubscribe
        // are answered by the stream itself (subscribed, unsubscribed, or an error frame for that path).
        var subscriptions = _messages as ISubscriptionMessages;
        switch (type)
        {
            case "ping":
                await SendAsync(WebSocketFrames.Pong, ct);
                return null;
            case "publish":
                break;
            case "subscribe" or "unsubscribe" when subscriptions is not null:
                if (string.IsNullOrEmpty(path))
                {
                    return await ErrorAsync("missing_path", $"A {type} needs a \"path\".", reference, null, ct);
                }

                var answered = type == "subscribe"
                    ? await subscriptions.SubscribeAsync(path, cursor, ct)
                    : await subscriptions.UnsubscribeAsync(path, ct);
                return answered.Error is null ? null : await ErrorAsync(answered.Error, answered.Message!, reference, path, ct);
            default:
                return await ErrorAsync("unknown_type", subscriptions is null ? "Supported message types: publish, ping." : "Supported message types: subscribe, unsubscribe, publish, ping.", reference, path, ct);
        }

        if (data is null)
        {
            return await ErrorAsync("missing_data", "A publish needs a \"data\" field.", reference, path, ct);
        }

        if (subscriptions is not null && string.IsNullOrEmpty(path))
        {
            return await ErrorAsync("missing_path", "A publish on a multiplexed stream needs a \"path\".", reference, null, ct);
        }

        var outcome = subscriptions is not null
            ? await subscriptions.PublishAsync(path!, eventType, data.Value, ct)
            : await _messages.PublishAsync(eventType, data.Value, ct);
        if (outcome.Error is not null)
        {
            return await ErrorAsync(outcome.Error, outcome.Message!, reference, path, ct);
        }

        await SendAsync(WebSocketFrames.Frame(w =>
        {
            w.WriteString("type", "ack");
            if (path is not null && subscriptions is not null)
            {
                w.WriteString("path", path);
            }

            if (reference is not null)
            {
                w.WriteString("ref", reference);
            }
        }), ct);
        return null;
    }

    private async Task<string> ErrorAsync(string error, string message, string? reference, CancellationToken ct) =>
        await ErrorAsync(error, message, reference, null, ct);

    private async Task<string> ErrorAsync(string error, string message, string? reference, string? path, CancellationToken ct)
    {
        WebSocketTransport.Log.ClientError(_logger, error);
        await SendAsync(WebSocketFrames.Error(error, message, reference, _messages is ISubscriptionMessages ? path : null), ct);
        return error;
    }
}
