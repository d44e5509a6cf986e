using Gateway.Broker.JetStream;
using Gateway.Broker.Memory;
using Gateway.Broker.Nats;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Gateway.Broker;

internal static class BrokerServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayBroker(this IServiceCollection services)
    {
        services.AddOptions<BrokerOptions>().BindConfiguration(BrokerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BrokerOptions>, BrokerOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<NatsConnectionProvider>();
        services.TryAddSingleton<JetStreamSubjects>();
        services.TryAddSingleton<MemoryBroker>();
        services.TryAddSingleton<CoreNatsBroker>();
        services.TryAddSingleton<JetStreamBroker>();
        services.TryAddSingleton<IEventBroker>(sp => sp.GetRequiredService<IOptions<BrokerOptions>>().Value.Kind switch
        {
            BrokerKind.Memory => sp.GetRequiredService<MemoryBroker>(),
            BrokerKind.Nats => sp.GetRequiredService<CoreNatsBroker>(),
            _ => sp.GetRequiredService<JetStreamBroker>(),
        });
        services.AddHostedService<BrokerHostedService>();
        return services;
    }
}
