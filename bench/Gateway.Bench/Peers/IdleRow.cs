namespace Gateway.Bench.Peers;

/// <summary>Resident memory of a peer before and with <see cref="Connections"/> idle connections held (KB).</summary>
internal sealed record IdleRow(string Target, string Transport, int Connections, long BeforeKb, long HeldKb)
{
    public double KbPerConnection => Connections > 0 ? (double)(HeldKb - BeforeKb) / Connections : 0;
}
