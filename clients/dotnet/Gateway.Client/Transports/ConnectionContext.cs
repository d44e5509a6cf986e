using System.Net.Http.Headers;
using EdgeGateway.Client.Wire;

namespace EdgeGateway.Client.Transports;

/// <summary>Everything one connection attempt needs: where, with which negotiated timings, reporting to which sink.</summary>
internal sealed class ConnectionContext(
    GatewayClient client, string path, SubscribeOptions options, NegotiateResponse negotiated, IConnectionSink sink, PendingFallback? fallback)
{
    private static readonly TimeSpan DefaultHeartbeat = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(5);
    private bool fallbackReported;

    public GatewayClient Client => client;

    public HttpClient Http => client.Http;

    public string Path => path;

    public SubscribeOptions Options => options;

    public IConnectionSink Sink => sink;

    public TimeProvider Time => client.Options.TimeProvider;

    public TimeSpan Heartbeat => negotiated.HeartbeatMs > 0 ? TimeSpan.FromMilliseconds(negotiated.HeartbeatMs) : DefaultHeartbeat;

    /// <summary>How long an open stream may be silent: heartbeats come every <see cref="Heartbeat"/> while idle.</summary>
    public TimeSpan IdleTimeout => options.HeartbeatTimeout ?? (Heartbeat * 2) + TimeSpan.FromSeconds(2);

    public TimeSpan PollInterval => negotiated.PollIntervalMs > 0 ? TimeSpan.FromMilliseconds(negotiated.PollIntervalMs) : DefaultPollInterval;

    /// <summary>
    /// The stream path with <paramref name="query"/>; the first request of the connection also carries the pending
    /// fallback report (<c>fallbackFrom</c>, <c>fallbackReason</c>), so the gateway counts it once.
    /// </summary>
    public Uri StreamUri(IEnumerable<KeyValuePair<string, string?>> query, bool webSocket = false)
    {
        var all = new List<KeyValuePair<string, string?>>(query);
        if (fallback is not null && !fallbackReported)
        {
            fallbackReported = true;
            all.Add(new("fallbackFrom", fallback.From.Name()));
            all.Add(new("fallbackReason", fallback.Reason.Name()));
        }

        return client.Resolve(path, all, webSocket);
    }

    /// <summary>A request with the bearer token, when the client has one.</summary>
    public async Task<HttpRequestMessage> RequestAsync(HttpMethod method, Uri uri, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(method, uri);
        if (await sink.AccessTokenAsync(cancellationToken) is { Length: > 0 } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }
}
