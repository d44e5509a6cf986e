using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace Gateway.Broker.Nats;

/// <summary>Core NATS: at-most-once, no history beyond the instance's replay buffer.</summary>
internal sealed class CoreNatsBroker(NatsConnectionProvider provider, TimeProvider time, IOptions<BrokerOptions> options) : IEventBroker
{
    public BrokerKind Kind => BrokerKind.Nats;

    public bool IsConnected => provider.IsConnected;

    public async ValueTask PublishAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        if (!provider.IsConnected)
        {
            throw new BrokerUnavailableException("NATS is not connected.");
        }

        using var span = Observability.Tracing.GatewayTracing.StartPublish(message.Subject);
        try
        {
            await provider.Connection.PublishAsync(message.Subject, message.Data, NatsHeadersReader.Create(message, time.GetUtcNow()), cancellationToken: cancellationToken);
        }
        catch (NatsException ex)
        {
            Observability.Tracing.GatewayTracing.Failed(span, ex);
            throw new BrokerUnavailableException("NATS refused the publish.", ex);
        }
    }

    public async ValueTask<ISubjectFeed> OpenFeedAsync(string subject, CancellationToken cancellationToken)
    {
        var feed = new CoreNatsSubjectFeed(provider, subject, time, options.Value.ReplayBufferSize);
        await feed.StartAsync(cancellationToken);
        return feed;
    }

    public async ValueTask<bool> PingAsync(CancellationToken cancellationToken)
    {
        if (!provider.IsConnected)
        {
            return false;
        }

        try
        {
            await provider.Connection.PingAsync(cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is NatsException or OperationCanceledException or TimeoutException)
        {
            return false;
        }
    }
}
