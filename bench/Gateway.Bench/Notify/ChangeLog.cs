using System.Diagnostics;

namespace Gateway.Bench.Notify;

/// <summary>
/// What one subscriber received in one run: the receive time of each <c>changed</c> event by its key (the ETag's
/// number: the backend's version for a PUT, the write's number for a baseline publish), duplicates, keys that arrived
/// after a higher one, and events whose payload was not the expected write. Written by the subscriber's receive loop,
/// read by the coordinator between runs (<see cref="Received"/> while one runs).
/// </summary>
internal sealed class ChangeLog
{
    private readonly Dictionary<long, long> _receivedAt = [];
    private long _highest = -1;
    private int _received;

    public int Received => Volatile.Read(ref _received);

    public int Duplicates { get; private set; }

    public int OutOfOrder { get; private set; }

    /// <summary><c>changed</c> events whose method, path or status was not the write's, or without a usable ETag.</summary>
    public int Unexpected { get; private set; }

    /// <summary>Prepares for a run (call between runs only).</summary>
    public void Start()
    {
        _receivedAt.Clear();
        _highest = -1;
        Duplicates = OutOfOrder = Unexpected = 0;
        Volatile.Write(ref _received, 0);
    }

    public void Record(long key)
    {
        var now = Stopwatch.GetTimestamp();
        if (!_receivedAt.TryAdd(key, now))
        {
            Duplicates++;
            return;
        }

        if (key < _highest)
        {
            OutOfOrder++;
        }
        else
        {
            _highest = key;
        }

        Volatile.Write(ref _received, _received + 1);
    }

    public void RecordUnexpected() => Unexpected++;

    public bool TryGet(long key, out long receivedAt) => _receivedAt.TryGetValue(key, out receivedAt);
}
