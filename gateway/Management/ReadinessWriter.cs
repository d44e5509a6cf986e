using Gateway.Broker;
using Gateway.Lifecycle;
using Gateway.Sessions;
using Gateway.Transports.Wire;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Management;

/// <summary>The <c>/readyz</c> body: ready or not, why not (draining wins over the broker), and the open sessions.</summary>
internal static class ReadinessWriter
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        string? reason = null;
        foreach (var name in (ReadOnlySpan<string>)[DrainHealthCheck.Name, BrokerHealthCheck.Name])
        {
            if (report.Entries.TryGetValue(name, out var entry) && entry.Status != HealthStatus.Healthy)
            {
                reason = entry.Description ?? name;
                break;
            }
        }

        var services = context.RequestServices;
        var broker = services.GetRequiredService<IEventBroker>();
        var drain = services.GetRequiredService<DrainCoordinator>();
        var sessions = services.GetRequiredService<SessionRegistry>();
        return context.Response.WriteAsJsonAsync(
            new ReadinessResponse(reason is null ? "ready" : "unready", reason, broker.Kind.ToString(), drain.IsDraining, sessions.Count),
            GatewayJsonContext.Default.ReadinessResponse,
            contentType: "application/json",
            context.RequestAborted);
    }
}
