using Gateway.IntegrationTests.Transports;

namespace Gateway.IntegrationTests.Broker;

/// <summary>
/// A client on one transport that follows its stream across closes and reconnect advice (its own gateway first, the
/// other when refused), resuming from its last id, and keeps what arrived on each connection separately, so a test can
/// tell "nothing lost overall" from "nothing twice on one connection".
/// </summary>
internal sealed class RecordingClient
{
    private readonly List<List<PushItem>> connections = [];

    private RecordingClient(string transport, string gateway)
    {
        Transport = transport;
        Gateway = gateway;
    }

    public string Transport { get; }

    public string Gateway { get; }

    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Every item of every connection, in order; a poll sequence counts as one connection until it is refused.</summary>
    public IReadOnlyList<IReadOnlyList<PushItem>> Connections
    {
        get
        {
            lock (connections)
            {
                return [.. connections.Select(c => (IReadOnlyList<PushItem>)[.. c])];
            }
        }
    }

    /// <summary>The payloads received so far, across connections, without repeats.</summary>
    public HashSet<string> DistinctData()
    {
        lock (connections)
        {
            return [.. connections.SelectMany(c => c).Where(i => i.Kind == PushItemKind.Event).Select(i => i.Data!)];
        }
    }

    public override string ToString() => $"{Transport}@{Gateway}";

    public static RecordingClient Start(string transport, string[] baseUrls, string path, string cursor, CancellationToken ct)
    {
        var client = new RecordingClient(transport, baseUrls[0]);
        client.Completion = Task.Run(() => client.RunAsync(baseUrls, path, cursor, ct), CancellationToken.None);
        return client;
    }

    private async Task RunAsync(string[] baseUrls, string path, string cursor, CancellationToken ct)
    {
        var attempt = 0;
        while (!ct.IsCancellationRequested)
        {
            var current = new List<PushItem>();
            lock (connections)
            {
                connections.Add(current);
            }

            var refused = false;
            try
            {
                await foreach (var item in RawPushClient.StreamAsync(Transport, baseUrls[attempt % baseUrls.Length], path, cursor, ct))
                {
                    lock (connections)
                    {
                        current.Add(item);
                    }

                    if (item.Kind == PushItemKind.Event)
                    {
                        cursor = item.Id!;
                    }
                    else if (item.Kind is PushItemKind.Reconnect or PushItemKind.Closed)
                    {
                        refused = item.Kind == PushItemKind.Closed && item.Reason is "503" or "429";
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or System.Net.WebSockets.WebSocketException or System.Text.Json.JsonException)
            {
                lock (connections)
                {
                    current.Add(new PushItem(PushItemKind.Closed, null, null, null, Reason: ex.Message));
                }
            }

            // Stay on the own gateway unless it refuses: the point is what one instance does while its broker node fails.
            if (refused)
            {
                attempt++;
            }

            try
            {
                await Task.Delay(Random.Shared.Next(100, 400), ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
