namespace Backends.Orders.Events;

internal static class OrderEventsExtensions
{
    /// <summary>Registers the publisher that sends every order change to NATS in the background.</summary>
    public static IServiceCollection AddOrderEvents(this IServiceCollection services)
    {
        services.AddOptions<OrderEventsOptions>()
            .BindConfiguration("Orders")
            .PostConfigure(options =>
            {
                if (string.IsNullOrWhiteSpace(options.NatsUrl))
                {
                    var fromEnvironment = Environment.GetEnvironmentVariable("NATS_URL");
                    options.NatsUrl = string.IsNullOrWhiteSpace(fromEnvironment) ? OrderEventsOptions.DefaultNatsUrl : fromEnvironment;
                }
            })
            .Validate(options => options.PublishQueueCapacity > 0, "Orders:PublishQueueCapacity must be positive")
            .ValidateOnStart();
        services.AddSingleton<OrderEventPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<OrderEventPublisher>());
        return services;
    }
}
