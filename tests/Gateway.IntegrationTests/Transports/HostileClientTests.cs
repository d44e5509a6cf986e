using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Transports;

/// <summary>A hostile client cannot crash or stall the instance: each abuse gets its documented answer.</summary>
public sealed class HostileClientTests(MatrixGateways gateways) : IClassFixture<MatrixGateways>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task OversizedFrame_ClosesWith1009()
    {
        await using var ws = await ConnectAsync();
        await ws.Socket.SendAsync(new byte[65 * 1024], WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await ReadCloseAsync(ws.Socket));
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task OversizedFrameSentInFragments_ClosesWith1009()
    {
        await using var ws = await ConnectAsync();
        var chunk = Encoding.UTF8.GetBytes(new string(' ', 16 * 1024));
        for (var i = 0; i < 5; i++)
        {
            await ws.Socket.SendAsync(chunk, WebSocketMessageType.Text, endOfMessage: false, CancellationToken.None);
        }

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await ReadCloseAsync(ws.Socket));
    }

    [Fact]
    public async Task BinaryFrame_ClosesWith1003()
    {
        await using var ws = await ConnectAsync();
        await ws.Socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, await ReadCloseAsync(ws.Socket));
    }

    [Fact]
    public async Task InvalidUtf8InTextFrame_ClosesWith1007()
    {
        // ClientWebSocket will not send invalid UTF-8 as text, so speak the protocol by hand (a masked text frame).
        var port = new Uri((await gateways.GetAsync("Memory")).PublicUrl).Port;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            "GET /t/U1/events HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
        var head = await ReadHeadAsync(stream);
        Assert.StartsWith("HTTP/1.1 101", head, StringComparison.Ordinal);

        byte[] payload = [0xC3, 0x28, 0xA0, 0xA1];
        byte[] mask = [1, 2, 3, 4];
        var frame = new byte[2 + 4 + payload.Length];
        frame[0] = 0x81;
        frame[1] = (byte)(0x80 | payload.Length);
        mask.CopyTo(frame, 2);
        for (var i = 0; i < payload.Length; i++)
        {
            frame[6 + i] = (byte)(payload[i] ^ mask[i % 4]);
        }

        await stream.WriteAsync(frame);

        // The runtime answers with close 1007 and then resets the connection at once, so the close frame is either read
        // or overtaken by the reset; either way the connection must end, and the instance keeps serving.
        try
        {
            Assert.Equal(1007, await ReadCloseCodeAsync(stream));
        }
        catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
        {
        }

        await AssertStillServesAsync();
    }

    [Theory]
    [InlineData("{not json", "invalid_json")]
    [InlineData("[1,2]", "invalid_message")]
    [InlineData("{\"type\":\"dance\"}", "unknown_type")]
    [InlineData("{\"type\":\"publish\"}", "missing_data")]
    public async Task BadMessages_GetErrorFrames_AndTheSessionStaysUp(string message, string error)
    {
        await using var ws = await ConnectAsync();
        await ws.Socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, CancellationToken.None);
        var frame = await ReadFrameAsync(ws.Socket, f => f.GetProperty("type").GetString() == "error");
        Assert.Equal(error, frame.GetProperty("error").GetString());

        // Still up: a ping is answered.
        await ws.Socket.SendAsync("{\"type\":\"ping\"}"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        await ReadFrameAsync(ws.Socket, f => f.GetProperty("type").GetString() == "pong");
    }

    [Fact]
    public async Task PublishFlood_IsRateLimitedWithErrorFrames_NotBroadcast()
    {
        await using var ws = await ConnectAsync();
        for (var i = 0; i < 200; i++)
        {
            await ws.Socket.SendAsync(Encoding.UTF8.GetBytes($"{{\"type\":\"publish\",\"ref\":\"{i}\",\"data\":{{\"i\":{i}}}}}"), WebSocketMessageType.Text, true, CancellationToken.None);
        }

        var acks = 0;
        var limited = 0;
        using var cts = new CancellationTokenSource(Timeout);
        while (acks + limited < 200)
        {
            var frame = await ReadFrameAsync(ws.Socket, f => f.GetProperty("type").GetString() is "ack" or "error");
            if (frame.GetProperty("type").GetString() == "ack")
            {
                acks++;
            }
            else
            {
                Assert.Equal("rate_limited", frame.GetProperty("error").GetString());
                limited++;
            }
        }

        Assert.InRange(acks, 1, 120);
        Assert.True(limited >= 80, $"{limited} publishes were refused");
    }

    [Fact]
    public async Task PublishWhereRouteHasNoUpstream_IsRefusedWithErrorFrame_SessionStaysUp()
    {
        var gateway = await gateways.GetAsync("Memory");
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(gateway.PublicUrl.Replace("http", "ws", StringComparison.Ordinal) + "/slow/NU/events"), CancellationToken.None);
        await socket.SendAsync("{\"type\":\"publish\",\"ref\":\"r1\",\"data\":{}}"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var frame = await ReadFrameAsync(socket, f => f.GetProperty("type").GetString() == "error");
        Assert.Equal("upstream_not_allowed", frame.GetProperty("error").GetString());
        Assert.Equal("r1", frame.GetProperty("ref").GetString());
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task LongPollWaitMinusOne_IsHeldAboutOneSecond_AndAnswersEmpty()
    {
        var gateway = await gateways.GetAsync("Memory");
        var cursor = await MatrixGateways.NegotiateCursorAsync(gateway, "/t/W1/events");
        var held = System.Diagnostics.Stopwatch.StartNew();
        using var response = await gateway.PublicClient.GetAsync("/t/W1/events?transport=longpolling&wait=-1&cursor=" + cursor);
        held.Stop();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, body.GetProperty("events").GetArrayLength());

        // Clamped to the 1 s minimum (docs/protocol.md): neither answered at once nor held for the default wait.
        Assert.InRange(held.Elapsed, TimeSpan.FromMilliseconds(950), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task CursorOfTenKilobytes_InHeader_IsReset_InQuery_IsRefusedByTheServerLimit()
    {
        var gateway = await gateways.GetAsync("Memory");
        var big = new string('a', 10 * 1024) + "-1";
        var items = await RawPushClient.CollectAsync(RawPushClient.SseAsync(gateway.PublicUrl, "/t/C10/events", big, CancellationToken.None),
            got => got.Any(i => i.Kind is PushItemKind.Reset or PushItemKind.Closed), Timeout);
        Assert.Equal(PushItemKind.Reset, items.First(i => i.Kind is PushItemKind.Reset or PushItemKind.Closed).Kind);

        using var response = await gateway.PublicClient.GetAsync("/t/C10/events?transport=polling&cursor=" + big);
        Assert.Equal(HttpStatusCode.RequestUriTooLong, response.StatusCode);
        await AssertStillServesAsync();
    }

    [Theory]
    [InlineData("/t/a.b/events?transport=polling")]
    [InlineData("/t/a*b/events?transport=polling")]
    [InlineData("/t/a%3Eb/events?transport=polling")]
    [InlineData("/t/a%20b/events?transport=polling")]
    public async Task UnsafeRouteValue_Is400WithJsonError(string url)
    {
        var gateway = await gateways.GetAsync("Memory");
        using var response = await gateway.PublicClient.GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_route_value", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task NulInRouteValue_IsRefusedByTheServerWith400BeforeAnySubjectIsMade()
    {
        // Kestrel rejects a decoded NUL in the path itself (a 400 without a body): no gateway code, no subject.
        var gateway = await gateways.GetAsync("Memory");
        using var response = await gateway.PublicClient.GetAsync("/t/a%00b/events?transport=polling");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/t/X/events", 400, "transport_required")]
    [InlineData("GET", "/t/X/events?transport=carrier", 400, "unknown_transport")]
    [InlineData("GET", "/t/X/events?transport=websocket", 400, "websocket_upgrade_required")]
    [InlineData("GET", "/t/X/events/other", 404, "not_found")]
    [InlineData("DELETE", "/t/X/events", 405, "method_not_allowed")]
    public async Task BadRequests_GetStatusAndJsonError(string method, string url, int status, string error)
    {
        var gateway = await gateways.GetAsync("Memory");
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        using var response = await gateway.PublicClient.SendAsync(request);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(error, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task HttpUpstream_ValidJson_Is202AndPublished_InvalidJsonIs400_TooBigIs413()
    {
        var gateway = await gateways.GetAsync("Memory");
        using (var ok = await gateway.PublicClient.PostAsync("/t/UP1/events", new StringContent("{\"hello\":1}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
            Assert.Equal("t.UP1.in", (await ok.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("subject").GetString());
        }

        using (var bad = await gateway.PublicClient.PostAsync("/t/UP1/events", new StringContent("{nope", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        using (var big = await gateway.PublicClient.PostAsync("/t/UP1/events", new StringContent("\"" + new string('x', 70_000) + "\"", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
        }

        using (var none = await gateway.PublicClient.PostAsync("/slow/UP1/events", new StringContent("{}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, none.StatusCode);
        }
    }

    private async Task AssertStillServesAsync()
    {
        var gateway = await gateways.GetAsync("Memory");
        using var health = await gateway.ManagementClient.GetAsync("/healthz");
        Assert.True(health.IsSuccessStatusCode);
        using var poll = await gateway.PublicClient.GetAsync("/t/alive/events?transport=polling");
        Assert.True(poll.IsSuccessStatusCode);
    }

    private async Task<OwnedSocket> ConnectAsync()
    {
        var gateway = await gateways.GetAsync("Memory");
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(gateway.PublicUrl.Replace("http", "ws", StringComparison.Ordinal) + "/t/H" + Guid.NewGuid().ToString("N")[..8] + "/events"), CancellationToken.None);
        return new OwnedSocket(socket);
    }

    private static async Task<WebSocketCloseStatus?> ReadCloseAsync(ClientWebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, cts.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return result.CloseStatus;
                }
            }
        }
        catch (WebSocketException)
        {
            return socket.CloseStatus;
        }
    }

    private static async Task<JsonElement> ReadFrameAsync(ClientWebSocket socket, Func<JsonElement, bool> match)
    {
        var buffer = new byte[64 * 1024];
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cts.Token);
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            var frame = JsonDocument.Parse(buffer.AsMemory(0, result.Count)).RootElement.Clone();
            if (match(frame))
            {
                return frame;
            }
        }
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        using var cts = new CancellationTokenSource(Timeout);
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, cts.Token) == 0)
            {
                break;
            }

            head.Append((char)one[0]);
        }

        return head.ToString();
    }

    /// <summary>Reads server frames until a close frame; returns its status code.</summary>
    private static async Task<int> ReadCloseCodeAsync(NetworkStream stream)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var header = new byte[2];
        while (true)
        {
            await stream.ReadExactlyAsync(header, cts.Token);
            var opcode = header[0] & 0x0F;
            long length = header[1] & 0x7F;
            if (length == 126)
            {
                var ext = new byte[2];
                await stream.ReadExactlyAsync(ext, cts.Token);
                length = (ext[0] << 8) | ext[1];
            }
            else if (length == 127)
            {
                var ext = new byte[8];
                await stream.ReadExactlyAsync(ext, cts.Token);
                length = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(ext);
            }

            var payload = new byte[length];
            await stream.ReadExactlyAsync(payload, cts.Token);
            if (opcode == 0x8)
            {
                return (payload[0] << 8) | payload[1];
            }
        }
    }

    private sealed class OwnedSocket(ClientWebSocket socket) : IAsyncDisposable
    {
        public ClientWebSocket Socket { get; } = socket;

        public ValueTask DisposeAsync()
        {
            Socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
