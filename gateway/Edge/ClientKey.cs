using System.Net;
using System.Security.Claims;

namespace Gateway.Edge;

/// <summary>The identity limits are kept by: the authenticated subject, else the client IP (from X-Forwarded-For only behind a trusted proxy).</summary>
internal static class ClientKey
{
    public static string Of(HttpContext context, IReadOnlyList<string> trustedProxies)
    {
        var sub = context.User.FindFirstValue("sub") ?? context.User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (!string.IsNullOrEmpty(sub))
        {
            return "sub:" + sub;
        }

        var remote = context.Connection.RemoteIpAddress;
        if (remote is not null && trustedProxies.Count > 0 && IsTrusted(remote, trustedProxies) &&
            context.Request.Headers.TryGetValue("X-Forwarded-For", out var forwarded))
        {
            // The right-most address not added by a trusted proxy is the client.
            var hops = forwarded.ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            for (var i = hops.Length - 1; i >= 0; i--)
            {
                if (IPAddress.TryParse(hops[i], out var hop) && !IsTrusted(hop, trustedProxies))
                {
                    return "ip:" + hop;
                }
            }
        }

        return "ip:" + (remote?.ToString() ?? "unknown");
    }

    private static bool IsTrusted(IPAddress address, IReadOnlyList<string> trusted)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var entry in trusted)
        {
            if (entry.Contains('/', StringComparison.Ordinal) ? IPNetwork.TryParse(entry, out var network) && network.Contains(address)
                : IPAddress.TryParse(entry, out var single) && single.Equals(address))
            {
                return true;
            }
        }

        return false;
    }
}
