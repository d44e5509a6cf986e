using System.Net;
using Gateway.Transports;
using Microsoft.Extensions.Options;

namespace Gateway.Management;

/// <summary>
/// First look at every request on the management port: only management endpoints answer there (404 JSON otherwise), a
/// request that carries an <c>Origin</c> came from a web page (a cross-site POST) and a <c>Host</c> that is not the
/// management endpoint's came through DNS rebinding; both are refused with 403 (docs/security.md, "Management port").
/// </summary>
internal sealed class ManagementRequestGuard(RequestDelegate next, ManagementPort port, IOptionsMonitor<ManagementOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (!port.IsManagement(context))
        {
            return next(context);
        }

        if (context.Request.Headers.ContainsKey("Origin"))
        {
            return WireErrors.WriteAsync(context, 403, "origin_not_allowed", "The management port does not answer requests made by web pages (Origin header present).");
        }

        if (!IsAllowedHost(context.Request.Host, options.CurrentValue.AllowedHosts))
        {
            return WireErrors.WriteAsync(context, 403, "host_not_allowed", "The Host header does not name the management endpoint (Gateway:Management:AllowedHosts).");
        }

        if (context.GetEndpoint()?.Metadata.GetMetadata<ManagementEndpoint>() is null)
        {
            return WireErrors.WriteAsync(context, 404, "not_found", "Management endpoints: /healthz, /readyz, /metrics, POST /publish/{subject}, POST /admin/drain, GET /admin/routes.");
        }

        return next(context);
    }

    /// <summary>
    /// An IP literal or <c>localhost</c> cannot come from DNS rebinding (the attacker's page always uses a name it controls);
    /// any other name must be configured.
    /// </summary>
    internal static bool IsAllowedHost(HostString host, IReadOnlyList<string> allowed)
    {
        if (!host.HasValue)
        {
            return false;
        }

        var name = host.Host;
        if (name.Equals("localhost", StringComparison.OrdinalIgnoreCase) || IPAddress.TryParse(name.Trim('[', ']'), out _))
        {
            return true;
        }

        foreach (var entry in allowed)
        {
            if (name.Equals(entry, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
