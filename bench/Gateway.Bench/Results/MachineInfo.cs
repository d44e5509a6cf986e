using System.Globalization;
using System.Runtime.InteropServices;

namespace Gateway.Bench.Results;

/// <summary>Where the numbers were taken; the load averages show how noisy the machine was.</summary>
internal sealed record MachineInfo(int ProcessorCount, string Os, string Runtime, double LoadAverageBefore, double LoadAverageAfter)
{
    public static double LoadAverage()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
    }

    public static MachineInfo Capture(double loadBefore) =>
        new(Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, loadBefore, LoadAverage());
}
