using Gateway.Lifecycle;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Management;

/// <summary>Readiness: fails as soon as a drain starts, so the load balancer stops sending new clients here.</summary>
internal sealed class DrainHealthCheck(DrainCoordinator drain) : IHealthCheck
{
    public const string Name = "drain";

    public const string Reason = "draining";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.IsDraining ? HealthCheckResult.Unhealthy(Reason) : HealthCheckResult.Healthy());
}
