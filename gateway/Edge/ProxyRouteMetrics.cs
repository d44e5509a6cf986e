using System.Collections.Concurrent;
using System.Globalization;
using Prometheus;

namespace Gateway.Edge;

/// <summary>
/// The proxy metrics' children for one route and cluster, created once and reused, so a request records its count and
/// duration without building label arrays or looking label strings up (docs/metrics.md).
/// </summary>
internal sealed class ProxyRouteMetrics(Observability.GatewayMetrics metrics, string route, string cluster)
{
    private readonly ConcurrentDictionary<(string Method, int Status), Counter.Child> _requests = new();

    public Histogram.Child Duration { get; } = metrics.ProxyDuration.WithLabels(route, cluster);

    public Counter.Child Requests(string method, int status)
    {
        var label = Observability.MethodLabel.Of(method);
        return _requests.TryGetValue((label, status), out var child)
            ? child
            : _requests.GetOrAdd((label, status), static (key, s) => s.Metrics.ProxyRequests.WithLabels(s.Route, s.Cluster, key.Method, key.Status.ToString(CultureInfo.InvariantCulture)), (Metrics: metrics, Route: route, Cluster: cluster));
    }

    public void Error(string error) => metrics.ProxyErrors.WithLabels(route, cluster, error).Inc();
}
