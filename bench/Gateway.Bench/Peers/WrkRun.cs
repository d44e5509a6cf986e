using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Gateway.Bench.Peers;

/// <summary>
/// One <c>wrk</c> run (<c>-t2 -c{connections} -d{seconds}s --latency</c>) against one URL, with the CPU the server under
/// test used meanwhile; parsed from wrk's text report.
/// </summary>
internal static partial class WrkRun
{
    public static async Task<RestRow> RunAsync(string wrk, string target, Uri url, int connections, TimeSpan duration, Func<double> serverCpu, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(wrk) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-t2", $"-c{connections}", $"-d{(int)duration.TotalSeconds}s", "--latency", url.ToString() })
        {
            start.ArgumentList.Add(arg);
        }

        var cpuBefore = serverCpu();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {wrk}");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }

        var cpu = serverCpu() - cpuBefore;
        var text = await output;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"wrk exited with code {process.ExitCode}: {text}{await error}");
        }

        var requests = Long(Requests().Match(text), "count");
        var rps = Double(RequestsPerSecond().Match(text), "value");
        var non2xx = Long(Non2xx().Match(text), "count");
        var socket = SocketErrors().Match(text);
        var errors = socket.Success ? socket.Groups.Values.Skip(1).Sum(g => long.Parse(g.Value, CultureInfo.InvariantCulture)) : 0;
        return new RestRow(
            target, url.ToString(), connections, duration.TotalSeconds, requests, rps, Percentile(text, "50%"), Percentile(text, "99%"), non2xx, errors,
            cpu, requests > 0 ? cpu * 1e6 / requests : 0);
    }

    private static double Percentile(string text, string label)
    {
        var match = Regex.Match(text, $@"^\s+{Regex.Escape(label)}\s+(?<value>[\d.]+)(?<unit>us|ms|s|m)\s*$", RegexOptions.Multiline, TimeSpan.FromSeconds(1));
        if (!match.Success)
        {
            return double.NaN;
        }

        var value = double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
        return match.Groups["unit"].Value switch
        {
            "us" => value / 1000,
            "ms" => value,
            "s" => value * 1000,
            _ => value * 60_000,
        };
    }

    private static long Long(Match match, string group) =>
        match.Success ? long.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture) : 0;

    private static double Double(Match match, string group) =>
        match.Success ? double.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture) : 0;

    [GeneratedRegex(@"^\s*(?<count>\d+) requests in", RegexOptions.Multiline)]
    private static partial Regex Requests();

    [GeneratedRegex(@"^Requests/sec:\s+(?<value>[\d.]+)", RegexOptions.Multiline)]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(?<count>\d+)")]
    private static partial Regex Non2xx();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrors();
}
