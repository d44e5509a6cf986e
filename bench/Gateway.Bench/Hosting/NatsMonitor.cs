using System.Text.Json;

namespace Gateway.Bench.Hosting;

/// <summary>
/// Reads nats-server's monitoring endpoint (<c>-m</c>): the gateway connection's subscriptions (<c>/connz?subs=1</c>,
/// by its connection name) and the server's JetStream consumers and stored messages and bytes (<c>/jsz?streams=true</c>).
/// </summary>
internal sealed class NatsMonitor(string monitorUrl) : IDisposable
{
    /// <summary>The name the gateway gives its NATS connection.</summary>
    private const string GatewayConnectionName = "edge-gateway";

    private readonly HttpClient _http = new() { BaseAddress = new Uri(monitorUrl), Timeout = TimeSpan.FromSeconds(30) };

    public async Task<NatsCounts> ReadAsync(CancellationToken cancellationToken)
    {
        using var connz = JsonDocument.Parse(await _http.GetStringAsync(new Uri("/connz?subs=1&limit=100000", UriKind.Relative), cancellationToken));
        var subscriptions = 0;
        if (connz.RootElement.TryGetProperty("connections", out var connections))
        {
            foreach (var c in connections.EnumerateArray())
            {
                if (c.TryGetProperty("name", out var name) && name.GetString() == GatewayConnectionName)
                {
                    subscriptions += c.TryGetProperty("subscriptions", out var n) ? n.GetInt32() : 0;
                }
            }
        }

        using var jsz = JsonDocument.Parse(await _http.GetStringAsync(new Uri("/jsz?streams=true", UriKind.Relative), cancellationToken));
        var root = jsz.RootElement;
        long Long(string property) => root.TryGetProperty(property, out var v) ? v.GetInt64() : 0;
        return new NatsCounts(subscriptions, Long("consumers"), Long("messages"), Long("bytes"));
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>What nats-server holds for the gateway at one moment.</summary>
/// <param name="GatewaySubscriptions">Subscriptions of the gateway's connection (consumer deliveries, inboxes, core subjects).</param>
/// <param name="Consumers">JetStream consumers on the server (all of them are the gateway's in the benchmark).</param>
/// <param name="StoredMessages">Messages JetStream stores (all streams).</param>
/// <param name="StoredBytes">Bytes JetStream stores for them.</param>
internal sealed record NatsCounts(int GatewaySubscriptions, long Consumers, long StoredMessages, long StoredBytes);
