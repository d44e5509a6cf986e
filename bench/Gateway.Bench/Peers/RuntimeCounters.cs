namespace Gateway.Bench.Peers;

/// <summary>Cumulative .NET runtime counters of a server process: bytes allocated and thread-pool work items completed.</summary>
internal readonly record struct RuntimeCounters(double AllocatedBytes, double WorkItems)
{
    public static RuntimeCounters operator -(RuntimeCounters a, RuntimeCounters b) => new(a.AllocatedBytes - b.AllocatedBytes, a.WorkItems - b.WorkItems);

    public RuntimeCounters Subtract(RuntimeCounters other) => this - other;
}
