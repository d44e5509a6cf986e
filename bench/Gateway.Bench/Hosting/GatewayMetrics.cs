using System.Globalization;
using System.Text.RegularExpressions;

namespace Gateway.Bench.Hosting;

/// <summary>Reads the gateway's Prometheus text from <c>/metrics</c> on the management listener.</summary>
internal sealed partial class GatewayMetrics(Uri managementUrl) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = managementUrl, Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>The sum of every sample of <paramref name="metric"/> whose labels include all of <paramref name="labels"/>.</summary>
    public async Task<double> SumAsync(string metric, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        var text = await _http.GetStringAsync(new Uri("/metrics", UriKind.Relative), cancellationToken);
        return Samples(text, metric).Where(s => labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).Sum(s => s.Value);
    }

    /// <summary>Several sums from one scrape, so that they describe the same moment (for rates sampled over time).</summary>
    public async Task<double[]> SumsAsync(IReadOnlyList<(string Metric, IReadOnlyDictionary<string, string> Labels)> queries, CancellationToken cancellationToken)
    {
        var text = await _http.GetStringAsync(new Uri("/metrics", UriKind.Relative), cancellationToken);
        return [.. queries.Select(q => Samples(text, q.Metric).Where(s => q.Labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).Sum(s => s.Value))];
    }

    /// <summary>Every sample of <paramref name="metric"/> grouped by one label (for example close reasons).</summary>
    public async Task<Dictionary<string, double>> ByLabelAsync(string metric, string label, IReadOnlyDictionary<string, string> filter, CancellationToken cancellationToken)
    {
        var text = await _http.GetStringAsync(new Uri("/metrics", UriKind.Relative), cancellationToken);
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var s in Samples(text, metric).Where(s => filter.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)))
        {
            var key = s.Labels.GetValueOrDefault(label, "");
            result[key] = result.GetValueOrDefault(key) + s.Value;
        }

        return result;
    }

    public void Dispose() => _http.Dispose();

    private static IEnumerable<(Dictionary<string, string> Labels, double Value)> Samples(string text, string metric)
    {
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(metric, StringComparison.Ordinal) || line.Length == metric.Length || (line[metric.Length] != '{' && line[metric.Length] != ' '))
            {
                continue;
            }

            var match = SampleLine().Match(line);
            if (!match.Success || !double.TryParse(match.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match l in Label().Matches(match.Groups["labels"].Value))
            {
                labels[l.Groups["name"].Value] = l.Groups["value"].Value;
            }

            yield return (labels, value);
        }
    }

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{(?<labels>[^}]*)\})?\s+(?<value>\S+)")]
    private static partial Regex SampleLine();

    [GeneratedRegex("(?<name>[a-zA-Z_][a-zA-Z0-9_]*)=\"(?<value>(?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex Label();
}
