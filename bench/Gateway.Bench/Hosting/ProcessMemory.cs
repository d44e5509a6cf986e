using System.Globalization;

namespace Gateway.Bench.Hosting;

/// <summary>Resident memory of a process from <c>/proc/&lt;pid&gt;/status</c> (Linux): VmRSS now, VmHWM the peak since start.</summary>
internal static class ProcessMemory
{
    public static long RssKb(int pid) => Read(pid, "VmRSS:");

    public static long PeakRssKb(int pid) => Read(pid, "VmHWM:");

    private static long Read(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    var digits = line[field.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                    return long.Parse(digits, CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 0;
    }
}
