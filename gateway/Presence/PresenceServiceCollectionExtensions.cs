using Gateway.Broker;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Gateway.Presence;

internal static class PresenceServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayPresence(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<KvPresenceStore>();
        services.TryAddSingleton<LocalPresenceStore>();

        // Every instance must see every member: NATS KV with JetStream; this instance's memory otherwise (docs/presence.md).
        services.TryAddSingleton<IPresenceStore>(sp => sp.GetRequiredService<IOptions<BrokerOptions>>().Value.Kind == BrokerKind.JetStream
            ? sp.GetRequiredService<KvPresenceStore>()
            : sp.GetRequiredService<LocalPresenceStore>());
        services.TryAddSingleton<PresenceTracker>();
        services.TryAddSingleton<PresenceEndpoint>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Sessions.ISessionObserver, PresenceSessionObserver>());
        services.AddHostedService<PresenceCycle>();
        return services;
    }
}
