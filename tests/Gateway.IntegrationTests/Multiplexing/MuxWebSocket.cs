using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Gateway.IntegrationTests.Multiplexing;

/// <summary>A raw client of <c>/_gateway/stream</c> over WebSocket: sends JSON messages and reads frames.</summary>
internal sealed class MuxWebSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly byte[] _buffer = new byte[1 << 20];

    /// <summary>Every frame read so far, in order.</summary>
    public List<JsonElement> Frames { get; } = [];

    public static async Task<MuxWebSocket> ConnectAsync(string baseUrl, string? token = null)
    {
        var ws = new MuxWebSocket();
        var url = baseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + "/_gateway/stream" + (token is null ? string.Empty : "?access_token=" + token);
        using var cts = new CancellationTokenSource(MuxGateway.Timeout);
        await ws._socket.ConnectAsync(new Uri(url), cts.Token);
        return ws;
    }

    public Task SubscribeAsync(string path, string? cursor = null) =>
        SendAsync(cursor is null ? new { type = "subscribe", path } : (object)new { type = "subscribe", path, cursor });

    public Task UnsubscribeAsync(string path) => SendAsync(new { type = "unsubscribe", path });

    public async Task SendAsync(object message)
    {
        using var cts = new CancellationTokenSource(MuxGateway.Timeout);
        await _socket.SendAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(message)), WebSocketMessageType.Text, true, cts.Token);
    }

    /// <summary>Reads frames until <paramref name="until"/> holds for what was read (all frames so far); fails after the timeout.</summary>
    public async Task<List<JsonElement>> ReadUntilAsync(Func<List<JsonElement>, bool> until, string what)
    {
        using var cts = new CancellationTokenSource(MuxGateway.Timeout);
        while (!until(Frames))
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            try
            {
                do
                {
                    result = await _socket.ReceiveAsync(_buffer.AsMemory(length), cts.Token);
                    length += result.Count;
                }
                while (!result.EndOfMessage);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Timed out waiting for {what}; frames: {string.Join(" ", Frames.Select(f => f.GetRawText()))}");
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException($"Closed ({_socket.CloseStatus}) while waiting for {what}; frames: {string.Join(" ", Frames.Select(f => f.GetRawText()))}");
            }

            Frames.Add(JsonDocument.Parse(_buffer.AsMemory(0, length)).RootElement.Clone());
        }

        return Frames;
    }

    public Task<List<JsonElement>> ReadEventsAsync(string path, int count) =>
        ReadUntilAsync(f => Events(f, path).Count >= count, $"{count} events of {path}");

    public Task<JsonElement> ReadFrameAsync(string type, string path) =>
        ReadUntilAsync(f => f.Any(x => Is(x, type, path)), $"a {type} frame for {path}").ContinueWith(t => t.Result.First(x => Is(x, type, path)), TaskScheduler.Default);

    public static List<JsonElement> Events(List<JsonElement> frames, string path) => [.. frames.Where(f => Is(f, "event", path))];

    public static bool Is(JsonElement frame, string type, string path) =>
        frame.GetProperty("type").GetString() == type && frame.TryGetProperty("path", out var p) && p.GetString() == path;

    /// <summary>Cuts the connection without a closing handshake (a dropped network).</summary>
    public void Abort() => _socket.Abort();

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
