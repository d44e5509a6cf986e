using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Transports.WebSockets;

/// <summary>
/// Accepts an HTTP/1.1 WebSocket upgrade itself (RFC 6455 section 4.2.2: <c>Sec-WebSocket-Accept</c> is the base64 SHA-1
/// of the key and the protocol's GUID) so the socket runs over a <see cref="BatchingStream"/>. The request was already
/// validated as a WebSocket request by ASP.NET Core's middleware; anything else (HTTP/2 extended CONNECT, no upgrade
/// feature) goes through <c>AcceptWebSocketAsync</c> without batching.
/// </summary>
internal static class WebSocketHandshake
{
    private const string Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    public static async Task<(WebSocket Socket, BatchingStream? Batching)> AcceptAsync(HttpContext http, WebSocketAcceptContext accept)
    {
        var upgrade = http.Features.Get<IHttpUpgradeFeature>();
        var key = http.Request.Headers.SecWebSocketKey.ToString();
        if (upgrade is not { IsUpgradableRequest: true } || key.Length != 24)
        {
            return (await http.WebSockets.AcceptWebSocketAsync(accept), null);
        }

        http.Response.Headers.Connection = "Upgrade";
        http.Response.Headers.Upgrade = "websocket";
#pragma warning disable CA5350 // SHA-1 is what RFC 6455 prescribes for the handshake; it protects nothing here.
        http.Response.Headers.SecWebSocketAccept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + Guid)));
#pragma warning restore CA5350
        var stream = new BatchingStream(await upgrade.UpgradeAsync());
        var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions
        {
            IsServer = true,
            KeepAliveInterval = accept.KeepAliveInterval ?? TimeSpan.Zero,
            KeepAliveTimeout = accept.KeepAliveTimeout ?? Timeout.InfiniteTimeSpan,
        });
        return (socket, stream);
    }
}
