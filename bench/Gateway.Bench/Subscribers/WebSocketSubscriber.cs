using System.Net.WebSockets;
using System.Text;

namespace Gateway.Bench.Subscribers;

/// <summary>
/// A <see cref="ClientWebSocket"/> client of the gateway's WebSocket transport. It reads JSON text frames, records event
/// frames, and on a close that allows it (docs/protocol.md: everything but 1003, 1007, 1008, 1009, 4401, 4403)
/// reconnects with <c>?cursor=</c> set to the last id it saw.
/// </summary>
internal sealed class WebSocketSubscriber(Uri uri, SubscriberStats stats) : IGatewaySubscriber
{
    private const int MaxReconnects = 20;
    private const int MaxIdBytes = 64;
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan ReconnectTimeout = TimeSpan.FromSeconds(15);
    private static readonly int[] FinalCloseCodes = [1003, 1007, 1008, 1009, 4401, 4403];

    private readonly byte[] _id = new byte[MaxIdBytes];
    private byte[] _buffer = new byte[512];
    private int _idLength;
    private ClientWebSocket? _socket;
    private Task _loop = Task.CompletedTask;
    private int _state;

    public DeliveryLog Log { get; } = new();

    public SubscriberState State => (SubscriberState)Volatile.Read(ref _state);

    public async Task ConnectAsync(CancellationToken connectTimeout, CancellationToken lifetime)
    {
        _socket = await OpenAsync(connectTimeout);
        _loop = ReceiveAsync(lifetime);
    }

    public async ValueTask DisposeAsync()
    {
        // Abort, not a close handshake: the run is over and 1000 handshakes would only add time.
        _socket?.Abort();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _socket?.Dispose();
    }

    private async Task<ClientWebSocket> OpenAsync(CancellationToken cancellationToken)
    {
        var target = uri;
        if (_idLength > 0)
        {
            target = new UriBuilder(uri) { Query = "cursor=" + Uri.EscapeDataString(Encoding.UTF8.GetString(_id, 0, _idLength)) }.Uri;
        }

        var socket = new ClientWebSocket();
        try
        {
            await socket.ConnectAsync(target, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        for (var reconnects = 0; ; reconnects++)
        {
            WebSocketCloseStatus? closed = null;
            try
            {
                if (_socket is null)
                {
                    SetState(SubscriberState.Connecting);
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(ReconnectTimeout);
                    _socket = await OpenAsync(timeout.Token);
                }

                SetState(SubscriberState.Receiving);
                closed = await ReadFramesAsync(_socket, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                SetState(SubscriberState.Stopped);
                return;
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or HttpRequestException or OperationCanceledException)
            {
            }

            if (cancellationToken.IsCancellationRequested)
            {
                SetState(SubscriberState.Stopped);
                return;
            }

            _socket?.Dispose();
            _socket = null;
            if (reconnects >= MaxReconnects || (closed is { } code && FinalCloseCodes.Contains((int)code)))
            {
                SetState(SubscriberState.Stopped);
                stats.GiveUp();
                return;
            }

            SetState(SubscriberState.WaitingToReconnect);
            stats.Reconnected();
            try
            {
                await Task.Delay(ReconnectDelay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                SetState(SubscriberState.Stopped);
                return;
            }
        }
    }

    private void SetState(SubscriberState state) => Volatile.Write(ref _state, (int)state);

    /// <summary>Reads frames until the server closes; returns its close status.</summary>
    private async Task<WebSocketCloseStatus?> ReadFramesAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var count = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(_buffer.AsMemory(count), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return socket.CloseStatus;
            }

            count += result.Count;
            if (!result.EndOfMessage)
            {
                if (count == _buffer.Length)
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }

                continue;
            }

            Handle(_buffer.AsSpan(0, count));
            count = 0;
        }
    }

    private void Handle(ReadOnlySpan<byte> frame)
    {
        Span<byte> id = stackalloc byte[MaxIdBytes];
        var ok = EventPayload.TryParse(frame, out var payload, out var type, id, out var idLength);
        switch (type)
        {
            // A bare payload (no "type"): the frame of a peer that relays messages as they are (nchan, the fan-out floor).
            case FrameType.Event or FrameType.None:
                if (ok)
                {
                    Log.Record(payload);
                }

                if (idLength > 0)
                {
                    id[..idLength].CopyTo(_id);
                    _idLength = idLength;
                }

                break;
            case FrameType.Reconnect:
                stats.AdvisedToReconnect();
                break;
            case FrameType.Reset:
                stats.Reset();
                break;
        }
    }
}
