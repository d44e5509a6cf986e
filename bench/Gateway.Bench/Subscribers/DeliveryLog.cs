using System.Diagnostics;

namespace Gateway.Bench.Subscribers;

/// <summary>
/// What one subscriber received in one run: the latency of every event by its sequence number, duplicates, and events
/// that arrived after a later one (order broken). Written by the subscriber's single receive loop, read by the
/// coordinator once the run is over (<see cref="Received"/> while it runs).
/// </summary>
internal sealed class DeliveryLog
{
    private int[] _latencyUs = [];
    private volatile int _run = -1;
    private int _highest;
    private int _received;

    /// <summary>Latency in microseconds, by sequence; -1 where the event never arrived.</summary>
    public ReadOnlySpan<int> LatencyUs => _latencyUs;

    public int Received => Volatile.Read(ref _received);

    public int Duplicates { get; private set; }

    public int OutOfOrder { get; private set; }

    /// <summary>Events of another run or out of range: late arrivals of a previous run that timed out.</summary>
    public int Stray { get; private set; }

    public long LastReceiveTimestamp { get; private set; }

    /// <summary>Prepares for run <paramref name="run"/> of <paramref name="events"/> events (call between runs only).</summary>
    public void Start(int run, int events)
    {
        _run = -1;
        if (_latencyUs.Length != events)
        {
            _latencyUs = new int[events];
        }

        Array.Fill(_latencyUs, -1);
        _highest = -1;
        Volatile.Write(ref _received, 0);
        Duplicates = OutOfOrder = Stray = 0;
        LastReceiveTimestamp = 0;
        _run = run;
    }

    public void Record(in EventPayload payload)
    {
        var now = Stopwatch.GetTimestamp();
        var seq = payload.Seq;
        if (payload.Run != _run || (uint)seq >= (uint)_latencyUs.Length)
        {
            Stray++;
            return;
        }

        if (_latencyUs[seq] >= 0)
        {
            Duplicates++;
            return;
        }

        if (seq < _highest)
        {
            OutOfOrder++;
        }
        else
        {
            _highest = seq;
        }

        var micros = (now - payload.Timestamp) * 1_000_000 / Stopwatch.Frequency;
        _latencyUs[seq] = (int)Math.Clamp(micros, 0, int.MaxValue);
        LastReceiveTimestamp = now;
        Volatile.Write(ref _received, _received + 1);
    }
}
