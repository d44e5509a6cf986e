using System.Net.WebSockets;
using Gateway.Transports;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Gateway.Auth;

/// <summary>
/// Authorization failures answered the gateway's way: a JSON error with 401/403, and for a WebSocket upgrade an accepted
/// socket closed with 4401/4403, since a browser cannot see the status of a refused upgrade and would fall back
/// instead of asking for a new token.
/// </summary>
internal sealed class AuthAnswers : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    /// <summary>401 (no valid token) or 403 (a token without the right): JSON, or for a WebSocket upgrade 4401/4403.</summary>
    public static async Task RefuseAsync(HttpContext context, bool forbidden)
    {
        if (context.WebSockets.IsWebSocketRequest)
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await Transports.WebSockets.ClosingHandshake.CloseAsync(socket, (WebSocketCloseStatus)(forbidden ? 4403 : 4401), forbidden ? "forbidden" : "unauthorized");
            return;
        }

        if (!forbidden)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }

        await WireErrors.WriteAsync(context, forbidden ? 403 : 401, forbidden ? "forbidden" : "unauthorized",
            forbidden ? "The token does not grant access to this route." : "A valid bearer token is required (Authorization header, or access_token for push).");
    }

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        await RefuseAsync(context, authorizeResult.Forbidden);
    }
}
