using Gateway.Broker;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Management;

/// <summary>Readiness: the broker connection is open and answers a ping.</summary>
internal sealed class BrokerHealthCheck(IEventBroker broker) : IHealthCheck
{
    public const string Name = "broker";

    public const string Reason = "broker_unavailable";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!broker.IsConnected)
        {
            return HealthCheckResult.Unhealthy(Reason);
        }

        try
        {
            return await broker.PingAsync(cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy(Reason);
        }
        catch (OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy(Reason);
        }
    }
}
