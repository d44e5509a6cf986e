using System.Diagnostics;

namespace Gateway.Bench.Hosting;

/// <summary>
/// CPU time (user + system) of nats-server, the gateway and the benchmark itself over a run. On a shared two-core
/// machine CPU seconds per delivered event are steadier than wall-clock rates, and they show who the cores went to.
/// </summary>
internal sealed class CpuMeter(Process natsServer, Process gateway)
{
    public CpuSnapshot Take() => new(Read(natsServer), Read(gateway), Read(null));

    private static double Read(Process? process)
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
