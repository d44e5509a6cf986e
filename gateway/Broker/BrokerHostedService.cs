using Microsoft.Extensions.Options;

namespace Gateway.Broker;

/// <summary>Connects the broker in the background so the gateway serves REST (and reports unready) while NATS is away.</summary>
internal sealed class BrokerHostedService(IServiceProvider services, IOptions<BrokerOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Kind == BrokerKind.Memory)
        {
            return;
        }

        var provider = services.GetRequiredService<Nats.NatsConnectionProvider>();
        try
        {
            await provider.ConnectAsync(stoppingToken);
            if (services.GetRequiredService<IEventBroker>() is JetStream.JetStreamBroker js)
            {
                await js.EnsureStreamAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
