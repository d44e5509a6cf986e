using System.Globalization;

namespace Gateway.IntegrationTests.Watch;

/// <summary>Sums the samples of a Prometheus text page whose line starts with a prefix (a name and labels).</summary>
internal static class MetricsText
{
    public static double Sum(string metrics, string prefix) => metrics.Split('\n')
        .Where(l => l.StartsWith(prefix, StringComparison.Ordinal))
        .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}
