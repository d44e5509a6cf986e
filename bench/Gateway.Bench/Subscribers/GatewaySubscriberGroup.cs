namespace Gateway.Bench.Subscribers;

/// <summary>N gateway clients of one transport, connected a bounded number at a time.</summary>
internal sealed class GatewaySubscriberGroup(string path, IReadOnlyList<IGatewaySubscriber> subscribers, SubscriberStats stats, int connectConcurrency, IDisposable? shared)
    : ISubscriberGroup
{
    private static readonly TimeSpan ConnectAttemptTimeout = TimeSpan.FromSeconds(15);
    private const int ConnectAttempts = 3;

    private readonly CancellationTokenSource _lifetime = new();

    public string Path => path;

    public IReadOnlyList<DeliveryLog> Logs { get; } = [.. subscribers.Select(s => s.Log)];

    public SubscriberStats Stats => stats;

    public IReadOnlyDictionary<string, int> StateCounts() =>
        subscribers.GroupBy(s => s.State).ToDictionary(g => g.Key.ToString(), g => g.Count(), StringComparer.Ordinal);

    public Task ConnectAsync(CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(
            subscribers,
            new ParallelOptions { MaxDegreeOfParallelism = connectConcurrency, CancellationToken = cancellationToken },
            async (subscriber, ct) =>
            {
                for (var attempt = 1; ; attempt++)
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    timeout.CancelAfter(ConnectAttemptTimeout);
                    try
                    {
                        await subscriber.ConnectAsync(timeout.Token, _lifetime.Token);
                        return;
                    }
                    catch (Exception ex) when (attempt < ConnectAttempts && !ct.IsCancellationRequested &&
                        ex is HttpRequestException or IOException or System.Net.WebSockets.WebSocketException or OperationCanceledException)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), ct);
                    }
                }
            });

    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync();
        await Task.WhenAll(subscribers.Select(s => s.DisposeAsync().AsTask())).WaitAsync(TimeSpan.FromSeconds(15));
        shared?.Dispose();
        _lifetime.Dispose();
    }
}
