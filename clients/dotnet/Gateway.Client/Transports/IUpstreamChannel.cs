using System.Text.Json;

namespace EdgeGateway.Client.Transports;

/// <summary>A transport that carries client messages itself (the WebSocket); the others send them as HTTP POSTs.</summary>
internal interface IUpstreamChannel
{
    bool IsOpen { get; }

    /// <summary>
    /// Sends <c>{"type":"publish"}</c> and completes when the gateway acknowledges it; throws <see cref="GatewayException"/>
    /// on its refusal. False when the frame could not be sent at all (the socket had closed), so HTTP may carry it.
    /// </summary>
    Task<bool> TryPublishAsync(JsonElement data, string? eventType, CancellationToken cancellationToken);
}
