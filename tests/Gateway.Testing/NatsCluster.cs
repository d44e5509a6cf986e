using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Gateway.Testing;

/// <summary>
/// A JetStream cluster of nats-server processes on loopback: every node routes to every other, runs JetStream with a
/// store of its own and keeps its name and ports across restarts, so a restarted node rejoins as the same peer and
/// catches up its replicas. Nodes can be killed, stopped, restarted and frozen (SIGSTOP) one at a time.
/// </summary>
internal sealed class NatsCluster : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(45);

    private NatsCluster(IReadOnlyList<NatsServerProcess> nodes) => Nodes = nodes;

    public IReadOnlyList<NatsServerProcess> Nodes { get; }

    /// <summary>Every node's client URL, comma-separated, in node order: what a gateway gets as <c>Gateway:Broker:Url</c>.</summary>
    public string Urls => string.Join(',', Nodes.Select(n => n.Url));

    /// <summary>The client URLs with node <paramref name="first"/> first, then the others in order.</summary>
    public string UrlsStartingWith(int first) =>
        string.Join(',', Nodes.Skip(first).Concat(Nodes.Take(first)).Select(n => n.Url));

    /// <summary>Starts <paramref name="size"/> nodes (n1, n2, ...) and returns once each is healthy with JetStream up.</summary>
    public static async Task<NatsCluster> StartAsync(string binary, int size = 3, Action<string>? echo = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 3); // JetStream needs a quorum that survives one node.
        var ports = Enumerable.Range(0, size).Select(_ => (Client: FreePort.Next(), Monitor: FreePort.Next(), Route: FreePort.Next())).ToList();
        var clusterName = "gw-" + Guid.NewGuid().ToString("N")[..8];
        var nodes = ports.Select((p, i) => NatsServerProcess.ForCluster(
            binary,
            new NatsClusterMember($"n{i + 1}", clusterName, p.Client, p.Monitor, p.Route, [.. ports.Where(o => o != p).Select(o => o.Route)]),
            echo)).ToList();
        var cluster = new NatsCluster(nodes);
        try
        {
            foreach (var node in nodes)
            {
                node.Spawn();
            }

            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(ReadyTimeout);
            await Task.WhenAll(nodes.Select(n => n.WaitReadyAsync(cts.Token)));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The index of the node named <paramref name="name"/> (<c>n2</c> is 1).</summary>
    public int IndexOf(string name) =>
        Nodes.Select((n, i) => (n, i)).FirstOrDefault(x => x.n.Name == name) is { n: not null } hit
            ? hit.i
            : throw new ArgumentException($"No node is named {name}.", nameof(name));

    /// <summary>Starts node <paramref name="index"/> again after a kill or stop; returns once it is healthy.</summary>
    public Task RestartAsync(int index, CancellationToken cancellationToken) => Nodes[index].StartAsync(cancellationToken);

    /// <summary>
    /// The server name of the JetStream leader of <paramref name="stream"/>, asked through any running node; null while
    /// the stream has no leader (an election is under way) or does not exist yet.
    /// </summary>
    public async Task<string?> StreamLeaderAsync(string stream, CancellationToken cancellationToken)
    {
        foreach (var node in Nodes.Where(n => n.IsRunning))
        {
            try
            {
                await using var connection = new NatsConnection(new NatsOpts { Url = node.Url, Name = "cluster-probe", ConnectTimeout = TimeSpan.FromSeconds(2), RequestTimeout = TimeSpan.FromSeconds(2) });
                var info = await new NatsJSContext(connection).GetStreamAsync(stream, cancellationToken: cancellationToken);
                return info.Info.Cluster?.Leader is { Length: > 0 } leader ? leader : null;
            }
            catch (Exception ex) when (ex is NatsException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
            }
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }
    }
}
