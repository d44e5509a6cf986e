using System.Net.WebSockets;

namespace Gateway.Transports.WebSockets;

/// <summary>
/// After a close frame of ours, read until the client's answer so the connection ends with a completed handshake
/// (RFC 6455 section 7.1.2) instead of a reset that could discard the close frame in flight. Bounded in time.
/// </summary>
internal static class ClosingHandshake
{
    public static async Task AwaitClientCloseAsync(WebSocket socket, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[128];
        try
        {
            while (socket.State == WebSocketState.CloseSent)
            {
                await socket.ReceiveAsync(buffer.AsMemory(), cts.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The socket is already broken, or the client never answered: nothing more to wait for.
        }
    }

    /// <summary>Sends our close frame (a code a browser can read) and waits briefly for the client to answer it.</summary>
    public static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string description)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await socket.CloseOutputAsync(status, description, cts.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            return;
        }

        await AwaitClientCloseAsync(socket, TimeSpan.FromSeconds(5));
    }
}
