using System.Net.WebSockets;

namespace EdgeGateway.Client;

/// <summary>Settings shared by every subscription of one <see cref="GatewayClient"/>.</summary>
public sealed class GatewayClientOptions
{
    /// <summary>Supplies a bearer token for every request and WebSocket handshake; null or empty sends none. Default none.</summary>
    public Func<CancellationToken, ValueTask<string?>>? AccessTokenProvider { get; init; }

    /// <summary>Adjusts each WebSocket before it connects (headers, proxy, certificates). Default none.</summary>
    public Action<ClientWebSocketOptions>? ConfigureWebSocket { get; init; }

    /// <summary>
    /// Default 5 minutes: after a transport connected but did not deliver, this client skips it for this long, as the
    /// browser client remembers what worked. <see cref="TimeSpan.Zero"/> tries the best transport on every connect.
    /// </summary>
    public TimeSpan RememberFallbackFor { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The clock for back-off, timeouts and polling. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
