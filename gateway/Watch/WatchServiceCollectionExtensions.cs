using Gateway.Broker;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Gateway.Watch;

internal static class WatchServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayWatch(this IServiceCollection services)
    {
        services.AddHttpClient(WatchRegistry.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10));
        services.TryAddSingleton<LocalWatchLease>();
        services.TryAddSingleton<KvWatchLease>();

        // One instance per resource needs a shared lease: NATS KV with JetStream; a lone instance otherwise.
        services.TryAddSingleton<IWatchLease>(sp => sp.GetRequiredService<IOptions<BrokerOptions>>().Value.Kind == BrokerKind.JetStream
            ? sp.GetRequiredService<KvWatchLease>()
            : sp.GetRequiredService<LocalWatchLease>());
        services.TryAddSingleton<WatchRegistry>();
        services.AddHostedService<WatchSweeper>();
        return services;
    }
}
