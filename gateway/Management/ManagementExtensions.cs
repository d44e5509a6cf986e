using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Prometheus;

namespace Gateway.Management;

internal static class ManagementExtensions
{
    private static readonly string[] ReadyTags = ["ready"];

    public static IServiceCollection AddGatewayManagement(this IServiceCollection services)
    {
        services.AddOptions<ManagementOptions>().BindConfiguration(ManagementOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ManagementOptions>, ManagementOptionsValidator>());
        services.TryAddSingleton<ManagementPort>();
        services.TryAddSingleton<ManagementHandlers>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, ManagementPortPolicy>());

        services.AddHealthChecks()
            .AddCheck<DrainHealthCheck>(DrainHealthCheck.Name, tags: ReadyTags)
            .AddCheck<BrokerHealthCheck>(BrokerHealthCheck.Name, tags: ReadyTags, timeout: TimeSpan.FromSeconds(2));

        services.AddAuthentication().AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ManagementTokenHandler>(ManagementTokenHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(ManagementTokenHandler.Policy, policy =>
            policy.AddAuthenticationSchemes(ManagementTokenHandler.SchemeName).RequireAuthenticatedUser());
        return services;
    }

    /// <summary>
    /// The management port on endpoint routing: health and readiness as ASP.NET health checks, prometheus-net's exporter,
    /// and the operator endpoints behind the management token. All of it answers only on the management port.
    /// </summary>
    public static WebApplication UseGatewayManagement(this WebApplication app)
    {
        if (app.Services.GetRequiredService<ManagementPort>().Value is null)
        {
            return app;
        }

        // Match first, so the guard sees which endpoint a management-port request reached before anything else runs
        // (a later UseRouting finds the endpoint set and does not match again).
        app.UseRouting();
        app.UseMiddleware<ManagementRequestGuard>();

        var metrics = app.Services.GetRequiredService<Observability.GatewayMetrics>();
        var handlers = app.Services.GetRequiredService<ManagementHandlers>();
        var group = app.MapGroup(string.Empty).WithMetadata(ManagementEndpoint.Instance);

        // Liveness runs no check: the process answers, that is all it says.
        group.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        group.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = ReadinessWriter.WriteAsync });
        group.MapMetrics("/metrics", metrics.Registry);

        var operator_ = group.MapGroup(string.Empty).RequireAuthorization(ManagementTokenHandler.Policy);
        operator_.MapPost("/admin/drain", handlers.DrainAsync);
        operator_.MapGet("/admin/routes", handlers.RoutesAsync);
        operator_.MapPost("/publish/{**subject}", handlers.PublishAsync);
        return app;
    }
}
