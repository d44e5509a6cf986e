using System.Globalization;

namespace Gateway.Testing;

/// <summary>One node's identity and ports in a <see cref="NatsCluster"/>: fixed for its life, so restarts rejoin as the same peer.</summary>
internal sealed record NatsClusterMember(string Name, string ClusterName, int ClientPort, int MonitorPort, int RoutePort, IReadOnlyList<int> PeerRoutePorts)
{
    /// <summary>The nats-server flags that make it a named, routed JetStream cluster member.</summary>
    public IEnumerable<string> Arguments()
    {
        yield return "-n";
        yield return Name;
        yield return "--cluster_name";
        yield return ClusterName;
        yield return "--cluster";
        yield return $"nats://127.0.0.1:{RoutePort.ToString(CultureInfo.InvariantCulture)}";
        yield return "--routes";
        yield return string.Join(',', PeerRoutePorts.Select(p => $"nats://127.0.0.1:{p.ToString(CultureInfo.InvariantCulture)}"));
    }
}
