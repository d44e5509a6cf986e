using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Idempotency;

internal static class IdempotencyExtensions
{
    public static IServiceCollection AddGatewayIdempotency(this IServiceCollection services)
    {
        services.AddOptions<IdempotencyOptions>().BindConfiguration(IdempotencyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<KvIdempotencyStore>();
        services.TryAddSingleton<LocalIdempotencyStore>();

        // Every instance must see every key: NATS KV with JetStream; one instance's memory otherwise.
        services.TryAddSingleton<IIdempotencyStore>(sp => sp.GetRequiredService<IOptions<Broker.BrokerOptions>>().Value.Kind == Broker.BrokerKind.JetStream
            ? sp.GetRequiredService<KvIdempotencyStore>()
            : sp.GetRequiredService<LocalIdempotencyStore>());
        services.TryAddSingleton<IdempotencyLedger>();
        services.TryAddSingleton<IdempotencyMiddleware>();
        return services;
    }

    public static IReverseProxyApplicationBuilder UseIdempotentWrites(this IReverseProxyApplicationBuilder proxy)
    {
        // A RequestDelegate made once; requests that cannot carry a key (reads, routes without Edge.Idempotency) only branch.
        var m = proxy.ApplicationServices.GetRequiredService<IdempotencyMiddleware>();
        proxy.Use(next => context => m.Applies(context) ? m.InvokeAsync(context, next) : next(context));
        return proxy;
    }
}
