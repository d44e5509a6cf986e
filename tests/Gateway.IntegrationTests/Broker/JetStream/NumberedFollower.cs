using System.Text.Json;
using Gateway.IntegrationTests.Transports;

namespace Gateway.IntegrationTests.Broker.JetStream;

/// <summary>
/// A client on one transport that follows a subject whose payloads are numbered (<c>{"n":7,...}</c>), resuming from its
/// last id after every close, and keeps only the numbers, resets and connection count: large payloads are not kept.
/// </summary>
internal sealed class NumberedFollower
{
    private readonly Lock gate = new();
    private readonly HashSet<int> numbers = [];
    private int resets;
    private int connections;
    private string? lastError;

    private NumberedFollower(string transport, string path)
    {
        Transport = transport;
        Path = path;
    }

    public string Transport { get; }

    public string Path { get; }

    public Task Completion { get; private set; } = Task.CompletedTask;

    public int Resets
    {
        get
        {
            lock (gate)
            {
                return resets;
            }
        }
    }

    public int Connections
    {
        get
        {
            lock (gate)
            {
                return connections;
            }
        }
    }

    public bool HasAll(int count)
    {
        lock (gate)
        {
            return numbers.Count >= count && Enumerable.Range(0, count).All(numbers.Contains);
        }
    }

    public int Count
    {
        get
        {
            lock (gate)
            {
                return numbers.Count;
            }
        }
    }

    public override string ToString()
    {
        lock (gate)
        {
            return $"{Transport} on {Path}: {numbers.Count} events, {resets} resets, {connections} connections, last error {lastError}";
        }
    }

    public static NumberedFollower Start(string transport, string baseUrl, string path, string? cursor, CancellationToken ct)
    {
        var follower = new NumberedFollower(transport, path);
        follower.Completion = Task.Run(() => follower.RunAsync(baseUrl, cursor, ct), CancellationToken.None);
        return follower;
    }

    private async Task RunAsync(string baseUrl, string? cursor, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            lock (gate)
            {
                connections++;
            }

            try
            {
                await foreach (var item in RawPushClient.StreamAsync(Transport, baseUrl, Path, cursor, ct))
                {
                    if (item.Kind == PushItemKind.Event)
                    {
                        cursor = item.Id;
                        using var doc = JsonDocument.Parse(item.Data!);
                        lock (gate)
                        {
                            numbers.Add(doc.RootElement.GetProperty("n").GetInt32());
                        }
                    }
                    else if (item.Kind == PushItemKind.Reset)
                    {
                        cursor = item.Cursor;
                        lock (gate)
                        {
                            resets++;
                        }
                    }
                    else if (item.Kind is PushItemKind.Reconnect or PushItemKind.Closed)
                    {
                        lock (gate)
                        {
                            lastError = item.Reason ?? item.Kind.ToString();
                        }

                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or System.Net.WebSockets.WebSocketException or JsonException)
            {
                lock (gate)
                {
                    lastError = ex.Message;
                }
            }

            try
            {
                await Task.Delay(200, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
