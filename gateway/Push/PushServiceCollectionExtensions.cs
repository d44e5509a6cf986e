using Gateway.Push.PollAdvice;
using Gateway.Push.Upstream;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Push;

internal static class PushServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayPush(this IServiceCollection services)
    {
        services.TryAddSingleton<NegotiateEndpoint>();
        services.TryAddSingleton<UpstreamPublisher>();
        services.TryAddSingleton<UpstreamEndpoint>();
        services.TryAddSingleton<PushAdmission>();
        services.TryAddSingleton<WatchAcquisition>();
        services.TryAddSingleton<IInstanceLoad, InstanceLoad>();
        services.TryAddSingleton<PollIntervalAdvisor>();
        services.TryAddSingleton<PushMiddleware>();
        services.AddSingleton<Yarp.ReverseProxy.Configuration.IConfigChangeListener, KnownMetricSeries>();
        return services;
    }

    /// <summary>Serves push requests on the routes YARP matched, after routing and before the proxy endpoint.</summary>
    public static WebApplication UsePush(this WebApplication app)
    {
        var middleware = app.Services.GetRequiredService<PushMiddleware>();
        app.UseRouting();

        // Rate limits run on the matched route (YARP's RateLimiterPolicy; push routes default to gw-push) after
        // authentication, so an authenticated client is keyed by its subject, and before authorization, so a flood of
        // bad tokens is limited too. Authorization (YARP's AuthorizationPolicy) runs before push and before the proxy.
        // Authentication and authorization run only where they can matter: authentication when the request carries
        // credentials or its route has a policy, authorization when its route has a policy. A request without either
        // skips both (no state machine, no handler): it would come out anonymous and unchecked anyway (docs/decisions.md
        // "Cheap REST").
        app.UseWhen(NeedsAuthentication, branch => branch.UseAuthentication());
        app.UseRateLimiter();
        app.UseWhen(HasPolicy, branch => branch.UseAuthorization());

        // A branch's builder keeps its own properties, so the application would not know both steps are in place and would
        // add them again, unconditionally, at the start of the pipeline (before the management port's matching): say so.
        ((IApplicationBuilder)app).Properties[AuthenticationMiddlewareSet] = true;
        ((IApplicationBuilder)app).Properties[AuthorizationMiddlewareSet] = true;
        app.Use(next => http => middleware.InvokeAsync(http, next));
        return app;
    }

    // The keys ASP.NET Core's UseAuthentication and UseAuthorization set (Microsoft.AspNetCore.Builder.AuthAppBuilderExtensions
    // and AuthorizationAppBuilderExtensions), which WebApplication checks before adding its own.
    private const string AuthenticationMiddlewareSet = "__AuthenticationMiddlewareSet";
    private const string AuthorizationMiddlewareSet = "__AuthorizationMiddlewareSet";

    private static bool HasPolicy(HttpContext http) =>
        http.GetEndpoint()?.Metadata is { } metadata &&
        (metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>() is not null ||
         metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAuthorizationRequirementData>() is not null);

    private static bool NeedsAuthentication(HttpContext http) =>
        http.Request.Headers.Authorization.Count > 0 ||
        (http.Request.QueryString.Value?.Contains(Auth.AccessTokenQuery.Name + "=", StringComparison.Ordinal) ?? false) ||
        HasPolicy(http);
}
