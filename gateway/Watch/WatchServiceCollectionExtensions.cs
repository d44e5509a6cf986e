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
        services.TryAddSingleton<LocalWatchBaselines>();
        services.TryAddSingleton<KvWatchBaselines>();

        // One instance per resource needs a shared lease and baseline: NATS KV with JetStream; a lone instance otherwise.
        services.TryAddSingleton<IWatchLease>(sp => IsShared(sp) ? sp.GetRequiredService<KvWatchLease>() : sp.GetRequiredService<LocalWatchLease>());
        services.TryAddSingleton<IWatchBaselines>(sp => IsShared(sp) ? sp.GetRequiredService<KvWatchBaselines>() : sp.GetRequiredService<LocalWatchBaselines>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Edge.IWriteObserver, WatchWriteObserver>());
        services.TryAddSingleton<WatchRegistry>();
        services.AddHostedService<WatchSweeper>();
        return services;
    }

    private static bool IsShared(IServiceProvider services) => services.GetRequiredService<IOptions<BrokerOptions>>().Value.Kind == BrokerKind.JetStream;
}
