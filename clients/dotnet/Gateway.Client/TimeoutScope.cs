namespace EdgeGateway.Client;

/// <summary>
/// A cancellation source that follows an outer token and can be (re)armed against the client's <see cref="TimeProvider"/>,
/// so the code can tell "the caller cancelled" from "this timer fired" and a fake clock drives the timeouts in tests.
/// </summary>
internal sealed class TimeoutScope : IDisposable
{
    private readonly CancellationTokenSource source;
    private readonly CancellationTokenRegistration link;
    private readonly CancellationToken outer;

    public TimeoutScope(TimeProvider time, TimeSpan timeout, CancellationToken outer)
    {
        this.outer = outer;
        source = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        link = outer.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), source);
        Arm(timeout);
    }

    public CancellationToken Token => source.Token;

    /// <summary>True when the timer fired (not the outer token).</summary>
    public bool TimedOut => source.IsCancellationRequested && !outer.IsCancellationRequested;

    /// <summary>Restarts the timer with <paramref name="timeout"/> from now (<see cref="Timeout.InfiniteTimeSpan"/> stops it).</summary>
    public void Arm(TimeSpan timeout)
    {
        try
        {
            source.CancelAfter(timeout);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Stops the timer, e.g. while the reader, not the network, is the one holding things up.</summary>
    public void Disarm() => Arm(Timeout.InfiniteTimeSpan);

    public void Dispose()
    {
        link.Dispose();
        source.Dispose();
    }
}
