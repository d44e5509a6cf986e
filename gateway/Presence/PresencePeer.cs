using System.Security.Claims;
using Gateway.Sessions;

namespace Gateway.Presence;

/// <summary>
/// Who a request on a presence route is: the token's subject (<c>sub</c>) when it authenticated, else the anonymous client
/// id the client keeps across reconnects (<c>?clientId=</c>, which EventSource and WebSocket can send, or the
/// <c>Gw-Client-Id</c> header). A client without either is a member for its session only.
/// </summary>
internal static class PresencePeer
{
    public const string Query = "clientId";
    public const string Header = "Gw-Client-Id";

    /// <summary>False when the client sent an id that is not <c>[A-Za-z0-9_-]{1,64}</c> (answered 400).</summary>
    public static bool TryResolve(HttpContext http, out SessionPeer? peer)
    {
        peer = null;
        string? client = null;
        if (http.Request.Query.TryGetValue(Query, out var fromQuery) && !string.IsNullOrEmpty(fromQuery))
        {
            client = fromQuery.ToString();
        }
        else if (http.Request.Headers.TryGetValue(Header, out var fromHeader) && !string.IsNullOrEmpty(fromHeader))
        {
            client = fromHeader.ToString();
        }

        if (client is not null && !IsValid(client))
        {
            return false;
        }

        var user = http.User.Identity?.IsAuthenticated == true ? http.User.FindFirstValue("sub") : null;
        client ??= user ?? "anon-" + Guid.NewGuid().ToString("N")[..16];
        peer = new SessionPeer(user is not null ? "u:" + user : "c:" + client, client, user);
        return true;
    }

    public static bool IsValid(string client)
    {
        if (client.Length is 0 or > 64)
        {
            return false;
        }

        foreach (var c in client)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
