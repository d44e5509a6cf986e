namespace Gateway.Bench.Hosting;

/// <summary>CPU seconds used so far by each process; subtract two snapshots for a run's share.</summary>
internal readonly record struct CpuSnapshot(double NatsServer, double Gateway, double Bench)
{
    public static CpuSnapshot operator -(CpuSnapshot a, CpuSnapshot b) => new(a.NatsServer - b.NatsServer, a.Gateway - b.Gateway, a.Bench - b.Bench);

    public CpuSnapshot Subtract(CpuSnapshot other) => this - other;
}
