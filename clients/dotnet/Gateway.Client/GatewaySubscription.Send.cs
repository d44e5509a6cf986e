using System.Diagnostics.CodeAnalysis;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using EdgeGateway.Client.Transports;
using EdgeGateway.Client.Wire;

namespace EdgeGateway.Client;

/// <summary>Client-to-server messages, for routes with <c>Push.Upstream</c>: a WebSocket frame when on WebSocket, else an HTTP POST.</summary>
public sealed partial class GatewaySubscription
{
    /// <summary>
    /// Sends <paramref name="data"/> to the route's upstream subject and completes when the gateway accepted it: over
    /// the open WebSocket (acknowledged by an <c>ack</c> frame), else as <c>POST {path}</c>. Throws
    /// <see cref="GatewayException"/> when the gateway refuses it (<c>upstream_not_allowed</c>, <c>rate_limited</c>,
    /// <c>broker_unavailable</c> ...).
    /// </summary>
    /// <param name="data">Any JSON value.</param>
    /// <param name="eventType">The event type subscribers see (the <c>Gw-Event</c> header); null for the route's default.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    public async Task SendAsync(JsonElement data, string? eventType = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        IUpstreamChannel? channel;
        lock (gate)
        {
            channel = upstream;
        }

        if (channel is { IsOpen: true } && await channel.TryPublishAsync(data, eventType, cancellationToken))
        {
            return;
        }

        await PostAsync(data, eventType, cancellationToken);
    }

    /// <summary>Sends <paramref name="value"/> serialised with <paramref name="typeInfo"/> (trimming-safe); see <see cref="SendAsync(JsonElement, string?, CancellationToken)"/>.</summary>
    public Task SendAsync<T>(T value, JsonTypeInfo<T> typeInfo, string? eventType = null, CancellationToken cancellationToken = default) =>
        SendAsync(JsonSerializer.SerializeToElement(value, typeInfo), eventType, cancellationToken);

    /// <summary>Sends <paramref name="value"/> serialised with <see cref="JsonSerializerOptions.Web"/>; see <see cref="SendAsync(JsonElement, string?, CancellationToken)"/>.</summary>
    [RequiresUnreferencedCode("Serialises an arbitrary object by reflection; use the JsonTypeInfo overload when trimming.")]
    [RequiresDynamicCode("Serialises an arbitrary object by reflection; use the JsonTypeInfo overload for native AOT.")]
    public Task SendAsync(object? value, string? eventType = null, CancellationToken cancellationToken = default) =>
        SendAsync(JsonSerializer.SerializeToElement(value, JsonSerializerOptions.Web), eventType, cancellationToken);

    private async Task PostAsync(JsonElement data, string? eventType, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, client.Resolve(Path, []))
        {
            Content = JsonContent.Create(data, ClientJsonContext.Default.JsonElement),
        };
        if (eventType is not null)
        {
            request.Headers.TryAddWithoutValidation("Gw-Event", eventType);
        }

        if (await TokenAsync(cancellationToken) is { Length: > 0 } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var scope = new TimeoutScope(client.Options.TimeProvider, options.ConnectTimeout, cancellationToken);
        try
        {
            using var response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, scope.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw HttpAnswers.Exception(response, await HttpAnswers.ReadErrorAsync(response, scope.Token));
            }
        }
        catch (OperationCanceledException) when (scope.TimedOut)
        {
            throw new TimeoutException($"The gateway did not answer the message within {options.ConnectTimeout.TotalSeconds:0.#} s.");
        }
    }
}
