using System.Diagnostics;
using Gateway.Bench.Results;

namespace Gateway.Bench.Hosting;

/// <summary>
/// Times GETs against a few targets, one after the other every <c>interval</c>, each over a kept-alive connection, on a
/// dedicated thread with the synchronous <see cref="HttpClient.Send(HttpRequestMessage, HttpCompletionOption, CancellationToken)"/>:
/// a storm of clients in this same process starves the thread pool, and the probe must measure the gateway, not that.
/// Samples are tagged with the current <see cref="Phase"/> so one probe covers before, during and after.
/// </summary>
internal sealed class LatencyProbe : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly IReadOnlyList<(string Name, Uri Uri)> _targets;
    private readonly TimeSpan _interval;
    private readonly HttpClient _http;
    private readonly Thread _thread;
    private readonly List<(string Phase, int Target, int Micros, bool Ok)> _samples = [];
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private volatile string _phase = "warmup";

    public LatencyProbe(IReadOnlyList<(string Name, Uri Uri)> targets, TimeSpan interval)
    {
        _targets = targets;
        _interval = interval;
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10) }) { Timeout = RequestTimeout };
        _thread = new Thread(Loop) { IsBackground = true, Name = "latency-probe" };
        _thread.Start();
    }

    /// <summary>The tag given to samples from now on.</summary>
    public string Phase
    {
        get => _phase;
        set => _phase = value;
    }

    /// <summary>Latency of the successful requests of one phase and target, and how many failed (error, non-2xx or 10 s timeout).</summary>
    public ProbeStats Stats(string phase, int target)
    {
        int[] micros;
        int failed;
        lock (_lock)
        {
            micros = [.. _samples.Where(s => s.Phase == phase && s.Target == target && s.Ok).Select(s => s.Micros)];
            failed = _samples.Count(s => s.Phase == phase && s.Target == target && !s.Ok);
        }

        return new ProbeStats(_targets[target].Name, phase, LatencyStats.FromMicroseconds(micros), failed);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join(RequestTimeout + TimeSpan.FromSeconds(1));
        _http.Dispose();
        _stop.Dispose();
    }

    private void Loop()
    {
        var next = Stopwatch.GetTimestamp();
        var step = (long)(_interval.TotalSeconds * Stopwatch.Frequency);
        while (!_stop.IsCancellationRequested)
        {
            for (var t = 0; t < _targets.Count && !_stop.IsCancellationRequested; t++)
            {
                var phase = _phase;
                var started = Stopwatch.GetTimestamp();
                var ok = false;
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, _targets[t].Uri);
                    using var response = _http.Send(request, HttpCompletionOption.ResponseContentRead, _stop.Token);
                    ok = response.IsSuccessStatusCode;
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
                {
                }

                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                var micros = (int)Math.Min(int.MaxValue, (Stopwatch.GetTimestamp() - started) * 1_000_000 / Stopwatch.Frequency);
                lock (_lock)
                {
                    _samples.Add((phase, t, micros, ok));
                }
            }

            next += step;
            var wait = next - Stopwatch.GetTimestamp();
            if (wait > 0)
            {
                _stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency));
            }
            else
            {
                next = Stopwatch.GetTimestamp();
            }
        }
    }
}
