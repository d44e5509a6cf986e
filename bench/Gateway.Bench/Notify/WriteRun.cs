using System.Diagnostics;
using System.Text;
using Gateway.Bench.Results;

namespace Gateway.Bench.Notify;

/// <summary>
/// Makes W writes, one every interval (never two at once, so the order of the events is the order of the writes), then
/// waits until every subscriber has every event (or the run stalls) and pairs each write with each receive.
/// </summary>
internal static class WriteRun
{
    public const string ItemPath = "/items/1";
    private const long WithinMicros = 100_000;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    public static async Task<NotifyRun> RunAsync(
        WriteKind kind, HttpClient http, Uri publicUrl, Uri managementUrl, IReadOnlyList<ChangeSubscriber> subscribers, int writes, TimeSpan interval, TimeSpan stall, CancellationToken cancellationToken)
    {
        foreach (var s in subscribers)
        {
            s.Log.Start();
        }

        var reconnectsBefore = subscribers.Sum(s => s.Reconnects);
        var sent = new long[writes];
        var answered = new long[writes];
        var keys = new long[writes];
        var start = Stopwatch.GetTimestamp();
        for (var k = 0; k < writes; k++)
        {
            var due = start + (long)(k * interval.TotalSeconds * Stopwatch.Frequency);
            if (due > Stopwatch.GetTimestamp())
            {
                await Task.Delay(TimeSpan.FromSeconds((double)(due - Stopwatch.GetTimestamp()) / Stopwatch.Frequency), cancellationToken);
            }

            using var request = kind == WriteKind.Put
                ? new HttpRequestMessage(HttpMethod.Put, new Uri(publicUrl, ItemPath)) { Content = new StringContent($"{{\"n\":{k}}}", Encoding.UTF8, "application/json") }
                : new HttpRequestMessage(HttpMethod.Post, new Uri(managementUrl, "/publish/items.1"))
                {
                    Content = new StringContent($"{{\"method\":\"PUT\",\"path\":\"{ItemPath}\",\"status\":200,\"etag\":\"\\\"{k + 1}\\\"\"}}", Encoding.UTF8, "application/json"),
                };
            if (kind == WriteKind.Publish)
            {
                request.Headers.TryAddWithoutValidation("Gw-Event", "changed");
            }

            sent[k] = Stopwatch.GetTimestamp();
            try
            {
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
                answered[k] = Stopwatch.GetTimestamp();
                keys[k] = !response.IsSuccessStatusCode ? -1 : kind == WriteKind.Put ? ChangedEvent.KeyOf(response.Headers.ETag?.ToString()) : k + 1;
            }
            catch (HttpRequestException)
            {
                keys[k] = -1;
            }
        }

        var ok = keys.Count(key => key >= 0);
        var timedOut = await WaitAsync(subscribers, ok, stall, cancellationToken);
        return Reduce(kind, subscribers, sent, answered, keys, timedOut, subscribers.Sum(s => s.Reconnects) - reconnectsBefore);
    }

    private static async Task<bool> WaitAsync(IReadOnlyList<ChangeSubscriber> subscribers, int expected, TimeSpan stall, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        var sinceProgress = Stopwatch.StartNew();
        long last = -1;
        while (waited.Elapsed < Limit && sinceProgress.Elapsed < stall)
        {
            long total = subscribers.Sum(s => (long)s.Log.Received);
            if (total >= (long)expected * subscribers.Count)
            {
                return false;
            }

            if (total != last)
            {
                last = total;
                sinceProgress.Restart();
            }

            await Task.Delay(20, cancellationToken);
        }

        return true;
    }

    private static NotifyRun Reduce(WriteKind kind, IReadOnlyList<ChangeSubscriber> subscribers, long[] sent, long[] answered, long[] keys, bool timedOut, int reconnects)
    {
        var fromResponse = new List<int>();
        var fromSent = new List<int>();
        var writeMicros = new List<int>();
        long expected = 0, withinResponse = 0, withinSent = 0;
        for (var k = 0; k < keys.Length; k++)
        {
            if (keys[k] < 0)
            {
                continue;
            }

            writeMicros.Add(Micros(answered[k] - sent[k]));
            foreach (var s in subscribers)
            {
                expected++;
                if (s.Log.TryGet(keys[k], out var at))
                {
                    var afterResponse = Micros(at - answered[k]);
                    var afterSent = Micros(at - sent[k]);
                    fromResponse.Add(afterResponse);
                    fromSent.Add(afterSent);
                    withinResponse += afterResponse <= WithinMicros ? 1 : 0;
                    withinSent += afterSent <= WithinMicros ? 1 : 0;
                }
            }
        }

        return new NotifyRun
        {
            Path = kind == WriteKind.Put ? "put" : "publish",
            Writes = keys.Length,
            FailedWrites = keys.Count(k => k < 0),
            Subscribers = subscribers.Count,
            Expected = expected,
            Delivered = fromResponse.Count,
            Duplicates = subscribers.Sum(s => (long)s.Log.Duplicates),
            OutOfOrder = subscribers.Sum(s => (long)s.Log.OutOfOrder),
            Unexpected = subscribers.Sum(s => (long)s.Log.Unexpected),
            Reconnects = reconnects,
            WriteMs = LatencyStats.FromMicroseconds([.. writeMicros]),
            FromResponseMs = LatencyStats.FromMicroseconds([.. fromResponse]),
            FromSentMs = LatencyStats.FromMicroseconds([.. fromSent]),
            Within100MsOfResponse = expected > 0 ? (double)withinResponse / expected : 0,
            Within100MsOfSent = expected > 0 ? (double)withinSent / expected : 0,
            TimedOut = timedOut,
        };
    }

    private static int Micros(long ticks) => (int)Math.Clamp(ticks * 1_000_000 / Stopwatch.Frequency, int.MinValue, int.MaxValue);
}
