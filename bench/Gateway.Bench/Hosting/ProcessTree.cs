using System.Globalization;

namespace Gateway.Bench.Hosting;

/// <summary>
/// CPU time and resident memory of a process and its direct children, from <c>/proc</c> (Linux): nginx is a master and
/// its workers, and they count together.
/// </summary>
internal static class ProcessTree
{
    /// <summary>Linux reports <c>utime</c>/<c>stime</c> in clock ticks of <c>USER_HZ</c>, 100 on every mainstream kernel.</summary>
    private const double TicksPerSecond = 100;

    public static double CpuSeconds(int rootPid)
    {
        double ticks = 0;
        foreach (var pid in Members(rootPid))
        {
            if (Stat(pid) is { } fields)
            {
                // Fields after "(comm)": state is [0], utime [11], stime [12] (proc(5) fields 14 and 15).
                ticks += double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture);
            }
        }

        return ticks / TicksPerSecond;
    }

    public static long RssKb(int rootPid) => Members(rootPid).Sum(ProcessMemory.RssKb);

    private static List<int> Members(int rootPid)
    {
        var result = new List<int> { rootPid };
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid != rootPid &&
                Stat(pid) is { } fields && fields[1] == rootPid.ToString(CultureInfo.InvariantCulture))
            {
                result.Add(pid);
            }
        }

        return result;
    }

    /// <summary>The fields of <c>/proc/pid/stat</c> after the command name (which may itself contain spaces).</summary>
    private static string[]? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            return text[(text.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
