using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Multiplexing;

internal static class MultiplexingServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayMultiplexing(this IServiceCollection services)
    {
        services.AddOptions<MultiplexOptions>().BindConfiguration(MultiplexOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<SubscriptionResolver>();
        services.TryAddSingleton<StreamServices>();
        services.TryAddSingleton<StreamPolls>();
        services.TryAddSingleton<StreamEndpoint>();
        services.TryAddSingleton<StreamNegotiateEndpoint>();
        return services;
    }

    /// <summary>
    /// The multiplexed stream's two endpoints on the public port. They are ordinary endpoints, so routing, authentication
    /// (for requests with a token) and the gateway's middleware run as for push routes; each subscription is then
    /// authorized against its own route.
    /// </summary>
    public static WebApplication MapStreams(this WebApplication app)
    {
        var stream = app.Services.GetRequiredService<StreamEndpoint>();
        var negotiate = app.Services.GetRequiredService<StreamNegotiateEndpoint>();
        // EventSource and browsers' WebSocket cannot set headers: the stream takes access_token as push routes do.
        app.Map(StreamEndpoint.Path, stream.HandleAsync).WithMetadata(Auth.AccessTokenQuery.Instance);
        app.Map(StreamNegotiateEndpoint.Path, negotiate.HandleAsync).WithMetadata(Auth.AccessTokenQuery.Instance);
        return app;
    }
}
