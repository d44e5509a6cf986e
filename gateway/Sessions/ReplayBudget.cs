namespace Gateway.Sessions;

/// <summary>
/// The instance-wide bound on replay memory (<c>Gateway:Broker:ReplayTotalBytes</c>): every topic's ring adds what it
/// holds, and a topic that appends while the total is over evicts its own oldest entries. Older cursors are then served
/// from the broker's history, so the bound costs a broker read, never an event.
/// </summary>
internal sealed class ReplayBudget(long maxBytes)
{
    private long _bytes;

    public long Bytes => Interlocked.Read(ref _bytes);

    public long MaxBytes => maxBytes;

    public bool Over => Interlocked.Read(ref _bytes) > maxBytes;

    public void Add(long bytes) => Interlocked.Add(ref _bytes, bytes);
}
