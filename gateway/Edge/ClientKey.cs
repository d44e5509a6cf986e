using System.Net;
using System.Security.Claims;

namespace Gateway.Edge;

/// <summary>
/// The identity limits are kept by: the authenticated subject, else the client IP (from X-Forwarded-For only behind a
/// trusted proxy). An IPv6 client is keyed by its /64: one host usually holds a whole /64, so a per-address key would
/// give it 2^64 keys (docs/security.md).
/// </summary>
internal static class ClientKey
{
    private const string ItemKey = "gw.clientKey";

    /// <summary>The request's key, worked out once per request (the rate limiter and admission both need it).</summary>
    public static string Of(HttpContext context, IReadOnlyList<string> trustedProxies)
    {
        if (context.Items.TryGetValue(ItemKey, out var known) && known is string key)
        {
            return key;
        }

        key = Compute(context, trustedProxies);
        context.Items[ItemKey] = key;
        return key;
    }

    private static string Compute(HttpContext context, IReadOnlyList<string> trustedProxies)
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
                    return "ip:" + Group(hop);
                }
            }
        }

        return "ip:" + (remote is null ? "unknown" : Group(remote));
    }

    /// <summary>IPv4 (and IPv4-mapped IPv6) as the address; IPv6 as its /64 prefix.</summary>
    internal static string Group(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
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
