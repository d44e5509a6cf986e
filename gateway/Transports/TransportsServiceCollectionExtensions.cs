using Gateway.Transports.LongPolling;
using Gateway.Transports.Polling;
using Gateway.Transports.Sse;
using Gateway.Transports.WebSockets;

namespace Gateway.Transports;

internal static class TransportsServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayTransports(this IServiceCollection services)
    {
        services.AddSingleton<IPushTransport, WebSocketTransport>();
        services.AddSingleton<IPushTransport, SseTransport>();
        services.AddSingleton<IPushTransport, LongPollingTransport>();
        services.AddSingleton<IPushTransport, PollingTransport>();
        return services;
    }
}
