using System.Diagnostics;

namespace Gateway.Bench.Hosting;

/// <summary>
/// CPU time (user + system) of the broker, the server under test and the benchmark itself over a run. On a shared
/// two-core machine CPU seconds per delivered event are steadier than wall-clock rates, and they show who the cores went to.
/// </summary>
internal sealed class CpuMeter(Func<double> broker, Func<double> server)
{
    public CpuMeter(Process natsServer, Process gateway)
        : this(() => Read(natsServer), () => Read(gateway))
    {
    }

    public CpuSnapshot Take() => new(broker(), server(), Read(null));

    /// <summary>CPU seconds of <paramref name="process"/> so far (the benchmark's own when null; 0 once it has exited).</summary>
    public static double Read(Process? process)
    {
        try
        {
            if (process is null)
            {
                using var self = Process.GetCurrentProcess();
                return self.TotalProcessorTime.TotalSeconds;
            }

            process.Refresh();
            return process.HasExited ? 0 : process.TotalProcessorTime.TotalSeconds;
        }
        catch (InvalidOperationException)
        {
            return 0;
        }
    }
}
