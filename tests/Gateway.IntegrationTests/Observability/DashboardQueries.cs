using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Observability;

/// <summary>
/// Reads every PromQL expression out of the Grafana dashboard (<c>grafana/dashboards/gateway.json</c>: panel targets and
/// annotations) and the alert rules (<c>config/alerts.yml</c>), and the metric names they reference, so tests can hold
/// them to <c>GatewayMetrics</c> and evaluate them on a real Prometheus.
/// </summary>
/// <remarks>
/// Grafana's variables become what "All" and a typical range would send: <c>$route</c> and <c>$instance</c> match
/// everything, <c>$__rate_interval</c> is 1m and <c>$__interval</c> 15s. The alert file is read without a YAML
/// library: its <c>expr:</c> values must stay on one line (the file says so).
/// </remarks>
internal static partial class DashboardQueries
{
    private static readonly Dictionary<string, string> Variables = new(StringComparer.Ordinal)
    {
        ["route"] = ".*",
        ["instance"] = ".*",
        ["__rate_interval"] = "1m",
        ["__interval"] = "15s",
    };

    // A histogram is queried through its series, never by its own name; every other gateway metric ends in _total
    // or a unit, so stripping these suffixes cannot turn one metric's name into another's.
    private static readonly string[] HistogramSuffixes = ["_bucket", "_sum", "_count"];

    public static string RepositoryRoot => GatewayBuildOutput.FindRepositoryRoot();

    public static string DashboardPath => Path.Combine(RepositoryRoot, "grafana", "dashboards", "gateway.json");

    public static string AlertsPath => Path.Combine(RepositoryRoot, "config", "alerts.yml");

    /// <summary>Every expression of the dashboard, then every alert's, variables substituted.</summary>
    public static IReadOnlyList<DashboardQuery> All() => [.. FromDashboard(DashboardPath), .. FromAlerts(AlertsPath)];

    /// <summary>The expressions of <see cref="All"/> alone.</summary>
    public static IReadOnlyList<string> Expressions() => [.. All().Select(q => q.Expression)];

    /// <summary>
    /// The gateway metric names the dashboard and alerts use, histogram series mapped to the histogram
    /// (<c>gateway_delivery_lag_seconds_bucket</c> gives <c>gateway_delivery_lag_seconds</c>). Includes the metrics the
    /// dashboard's template variables read their values from.
    /// </summary>
    public static IReadOnlySet<string> MetricNames() =>
        References().Select(BaseName).ToHashSet(StringComparer.Ordinal);

    /// <summary>The gateway series names as written in the queries, suffixes kept (<c>..._bucket</c>).</summary>
    public static IReadOnlySet<string> References() =>
        All().Select(q => q.Expression)
            .Concat(VariableQueries(DashboardPath))
            .SelectMany(SeriesNamesIn)
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>The <c>gateway_*</c> series names in one expression, as written.</summary>
    public static IEnumerable<string> SeriesNamesIn(string expression) =>
        MetricNamePattern().Matches(expression).Select(m => m.Value);

    /// <summary>The metric a series belongs to: a histogram's <c>_bucket</c>, <c>_sum</c> and <c>_count</c> map to it.</summary>
    public static string BaseName(string series)
    {
        foreach (var suffix in HistogramSuffixes)
        {
            if (series.EndsWith(suffix, StringComparison.Ordinal))
            {
                return series[..^suffix.Length];
            }
        }

        return series;
    }

    /// <summary>Replaces Grafana's <c>$name</c>, <c>${name}</c> and <c>${name:format}</c>; unknown variables stay as written.</summary>
    public static string Substitute(string expression) =>
        VariablePattern().Replace(expression, m =>
        {
            var name = m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["plain"].Value;
            return Variables.TryGetValue(name, out var value) ? value : m.Value;
        });

    public static IReadOnlyList<DashboardQuery> FromDashboard(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        var queries = new List<DashboardQuery>();
        if (root.TryGetProperty("panels", out var panels))
        {
            AddPanels(panels, queries);
        }

        if (root.TryGetProperty("annotations", out var annotations) && annotations.TryGetProperty("list", out var list))
        {
            foreach (var annotation in list.EnumerateArray())
            {
                if (StringProperty(annotation, "expr") is { Length: > 0 } expr)
                {
                    queries.Add(new DashboardQuery($"dashboard annotation \"{StringProperty(annotation, "name")}\"", Substitute(expr)));
                }
            }
        }

        return queries;
    }

    /// <summary>
    /// The alerts' (and recording rules') <c>expr:</c> values, read line by line. A block scalar (<c>expr: |</c>) is
    /// refused rather than misread.
    /// </summary>
    public static IReadOnlyList<DashboardQuery> FromAlerts(string path)
    {
        var queries = new List<DashboardQuery>();
        string? rule = null;
        var lineNumber = 0;
        foreach (var rawLine in File.ReadLines(path))
        {
            lineNumber++;
            var line = rawLine.Trim();
            if (line.StartsWith("- ", StringComparison.Ordinal))
            {
                line = line[2..].TrimStart();
            }

            if (line.StartsWith('#'))
            {
                continue;
            }

            if (RuleNamePattern().Match(line) is { Success: true } name)
            {
                rule = $"{name.Groups["kind"].Value} {Unquote(name.Groups["name"].Value)}";
            }
            else if (line.StartsWith("expr:", StringComparison.Ordinal))
            {
                var value = line["expr:".Length..].Trim();
                if (value.Length == 0 || value[0] is '|' or '>')
                {
                    throw new InvalidDataException(
                        $"{path}:{lineNumber}: keep each expr on one line; this reader does not parse YAML block scalars.");
                }

                queries.Add(new DashboardQuery(rule ?? $"{Path.GetFileName(path)}:{lineNumber}", Substitute(Unquote(value))));
            }
        }

        return queries;
    }

    private static void AddPanels(JsonElement panels, List<DashboardQuery> queries)
    {
        foreach (var panel in panels.EnumerateArray())
        {
            var title = StringProperty(panel, "title") ?? "(untitled)";
            if (panel.TryGetProperty("targets", out var targets))
            {
                foreach (var target in targets.EnumerateArray())
                {
                    if (StringProperty(target, "expr") is { Length: > 0 } expr)
                    {
                        queries.Add(new DashboardQuery($"dashboard panel \"{title}\" {StringProperty(target, "refId")}", Substitute(expr)));
                    }
                }
            }

            // A collapsed row carries its panels inside it.
            if (panel.TryGetProperty("panels", out var nested) && nested.ValueKind == JsonValueKind.Array)
            {
                AddPanels(nested, queries);
            }
        }
    }

    private static IEnumerable<string> VariableQueries(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        if (!document.RootElement.TryGetProperty("templating", out var templating) || !templating.TryGetProperty("list", out var list))
        {
            return [];
        }

        var queries = new List<string>();
        foreach (var variable in list.EnumerateArray())
        {
            if (StringProperty(variable, "type") != "query" || !variable.TryGetProperty("query", out var query))
            {
                continue;
            }

            // Grafana 10 stores { "query": "label_values(...)" }; older dashboards a bare string.
            var text = query.ValueKind == JsonValueKind.String ? query.GetString() : StringProperty(query, "query");
            if (!string.IsNullOrEmpty(text))
            {
                queries.Add(text);
            }
        }

        return queries;
    }

    private static string? StringProperty(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static string Unquote(string value)
    {
        if (value.Length >= 2 && value[0] == '\'' && value[^1] == '\'')
        {
            return value[1..^1].Replace("''", "'", StringComparison.Ordinal);
        }

        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            return value[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
        }

        // A plain YAML scalar ends where " #" starts a comment; PromQL has no use for that sequence.
        var comment = value.IndexOf(" #", StringComparison.Ordinal);
        return comment < 0 ? value : value[..comment].TrimEnd();
    }

    [GeneratedRegex(@"(?<![A-Za-z0-9_:])gateway_[a-z0-9_]*[a-z0-9]")]
    private static partial Regex MetricNamePattern();

    [GeneratedRegex(@"\$\{(?<braced>\w+)(?::[^}]*)?\}|\$(?<plain>\w+)")]
    private static partial Regex VariablePattern();

    [GeneratedRegex(@"^(?<kind>alert|record):\s*(?<name>.+?)\s*$")]
    private static partial Regex RuleNamePattern();
}
