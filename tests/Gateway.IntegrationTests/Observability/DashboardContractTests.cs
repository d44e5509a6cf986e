using System.Reflection;
using System.Text.RegularExpressions;
using Gateway.Observability;
using Microsoft.AspNetCore.Hosting;
using Prometheus;

namespace Gateway.IntegrationTests.Observability;

/// <summary>
/// The Grafana dashboard and the alert rules are a contract with <see cref="GatewayMetrics"/> (STYLE.md): every metric
/// and label they query must exist, and every query must evaluate on a real Prometheus.
/// </summary>
public sealed partial class DashboardContractTests
{
    // Labels Prometheus adds to every scraped series, and the bucket bound of histogram series.
    private static readonly string[] TargetLabels = ["instance", "job"];

    private static readonly Lazy<IReadOnlyDictionary<string, Collector>> Defined = new(DefinedMetrics);

    private readonly ITestOutputHelper output;

    public DashboardContractTests(ITestOutputHelper output) => this.output = output;

    [Fact]
    public void DashboardAndAlerts_Loaded_HaveQueriesFromBoth()
    {
        var queries = DashboardQueries.All();

        Assert.Contains(queries, q => q.Source.StartsWith("dashboard panel", StringComparison.Ordinal));
        Assert.Contains(queries, q => q.Source.StartsWith("alert ", StringComparison.Ordinal));
        Assert.All(queries, q => Assert.False(string.IsNullOrWhiteSpace(q.Expression), q.Source));
    }

    [Fact]
    public void DashboardAndAlerts_EveryMetricReferenced_IsDefinedInGatewayMetrics()
    {
        var unknown = DashboardQueries.MetricNames().Where(name => !Defined.Value.ContainsKey(name)).Order().ToList();

        Assert.True(unknown.Count == 0,
            $"The dashboard or alerts query metrics that gateway/Observability/GatewayMetrics.cs does not define: {string.Join(", ", unknown)}");
    }

    [Fact]
    public void DashboardAndAlerts_HistogramSeries_UsedOnlyOnHistogramsAndNeverBare()
    {
        var wrong = new List<string>();
        foreach (var series in DashboardQueries.References())
        {
            var name = DashboardQueries.BaseName(series);
            if (!Defined.Value.TryGetValue(name, out var metric))
            {
                continue; // reported by the test above
            }

            var isHistogram = metric is Histogram;
            var suffixed = series != name;
            if (isHistogram && !suffixed)
            {
                wrong.Add($"{series} is a histogram: query {series}_bucket, _sum or _count");
            }
            else if (!isHistogram && suffixed)
            {
                wrong.Add($"{series}: {name} is a {metric.GetType().Name}, which has no {series[name.Length..]} series");
            }
        }

        Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
    }

    [Fact]
    public void DashboardAndAlerts_LabelsInSelectorsAndGroupings_ExistOnTheMetricsQueried()
    {
        var wrong = new List<string>();
        foreach (var query in DashboardQueries.All())
        {
            var labelsInQuery = new HashSet<string>(TargetLabels, StringComparer.Ordinal);
            foreach (var series in DashboardQueries.SeriesNamesIn(query.Expression))
            {
                if (Defined.Value.TryGetValue(DashboardQueries.BaseName(series), out var metric))
                {
                    labelsInQuery.UnionWith(LabelsOf(metric, series));
                }
            }

            foreach (Match selector in SelectorPattern().Matches(query.Expression))
            {
                var series = selector.Groups["name"].Value;
                if (!Defined.Value.TryGetValue(DashboardQueries.BaseName(series), out var metric))
                {
                    continue;
                }

                var labels = LabelsOf(metric, series);
                foreach (Match matcher in MatcherPattern().Matches(selector.Groups["matchers"].Value))
                {
                    if (!labels.Contains(matcher.Groups["label"].Value))
                    {
                        wrong.Add($"{query.Source}: {series} has no label '{matcher.Groups["label"].Value}'");
                    }
                }
            }

            foreach (Match grouping in GroupingPattern().Matches(query.Expression))
            {
                foreach (var label in grouping.Groups["labels"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (!labelsInQuery.Contains(label))
                    {
                        wrong.Add($"{query.Source}: groups by '{label}', which none of its metrics has");
                    }
                }
            }
        }

        Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
    }

    [Fact]
    public void DashboardAndAlerts_AfterSubstitution_HaveNoGrafanaVariablesLeft()
    {
        var left = DashboardQueries.All().Where(q => q.Expression.Contains('$', StringComparison.Ordinal)).ToList();

        Assert.True(left.Count == 0, "Variables DashboardQueries does not substitute: " + string.Join(Environment.NewLine, left));
    }

    [Fact]
    public void Dashboard_EveryGatewayMetric_HasAPanel()
    {
        var charted = DashboardQueries.FromDashboard(DashboardQueries.DashboardPath)
            .SelectMany(q => DashboardQueries.SeriesNamesIn(q.Expression))
            .Select(DashboardQueries.BaseName)
            .ToHashSet(StringComparer.Ordinal);

        var missing = Defined.Value.Keys.Where(name => !charted.Contains(name)).Order().ToList();

        Assert.True(missing.Count == 0,
            $"Metrics in GatewayMetrics.cs that no panel of grafana/dashboards/gateway.json shows: {string.Join(", ", missing)}");
    }

    [Fact]
    public async Task DashboardAndAlerts_OnRealPrometheusScrapingGatewayMetrics_EveryQueryEvaluatesAndPanelsHaveData()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var metrics = new GatewayMetrics();
        TouchEveryMetric(metrics);
        await using var target = await StartMetricsEndpointAsync(metrics, cts.Token);
        await using var prometheus = await PrometheusServer.StartAsync(target.Urls.Single().Replace("http://", string.Empty, StringComparison.Ordinal), output: output, cancellationToken: cts.Token);
        await prometheus.WaitForTargetUpAsync(cancellationToken: cts.Token);

        // rate() over the dashboard's 1m needs two samples of each series; then bump the counters so rates are not zero.
        await Infrastructure.Eventually.TrueAsync(
            async ct => (await prometheus.QueryAsync("count_over_time(gateway_broker_connected[1m])", ct)).Values() is [>= 2],
            TimeSpan.FromSeconds(30),
            "two scrapes of the test target");
        TouchEveryMetric(metrics);
        await Infrastructure.Eventually.TrueAsync(
            async ct => (await prometheus.QueryAsync("count_over_time(gateway_broker_connected[1m])", ct)).Values() is [>= 4],
            TimeSpan.FromSeconds(30),
            "two more scrapes after the counters moved");

        var failures = new List<string>();
        foreach (var query in DashboardQueries.All())
        {
            var result = await prometheus.QueryAsync(query.Expression, cts.Token);
            if (result.IsSuccess && query.Source.StartsWith("dashboard panel", StringComparison.Ordinal) && result.ResultCount == 0)
            {
                // One scrape that missed its 1 s timeout (a loaded machine) marks every series of the target stale until the
                // next good scrape, and a plain selector then finds nothing: ask again after a good scrape. A metric that is
                // really missing still finds nothing.
                result = await QueryAfterGoodScrapeAsync(prometheus, query.Expression, cts.Token);
            }

            if (!result.IsSuccess)
            {
                failures.Add($"{query}{Environment.NewLine}    -> {result.Error}");
            }
            else if (query.Source.StartsWith("dashboard panel", StringComparison.Ordinal) && result.ResultCount == 0)
            {
                var up = await prometheus.QueryAsync("up[30s]", cts.Token);
                failures.Add($"{query}{Environment.NewLine}    -> no series, although every metric has one (up over 30 s: {up.Result})");
            }
        }

        var rules = await prometheus.WaitForRulesEvaluatedAsync(cancellationToken: cts.Token);
        failures.AddRange(rules.Where(r => r.Health != "ok").Select(r => $"alert {r.Name} is {r.Health}: {r.LastError}"));
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        Assert.Equal(DashboardQueries.FromAlerts(DashboardQueries.AlertsPath).Count, rules.Count);
    }

    /// <summary>The query's result after a newer scrape than the one it found nothing in, and a good one (<c>up == 1</c>).</summary>
    private static async Task<PrometheusQueryResult> QueryAfterGoodScrapeAsync(PrometheusServer prometheus, string expression, CancellationToken cancellationToken)
    {
        var scraped = await LastScrapeAsync(prometheus, cancellationToken);
        var result = await prometheus.QueryAsync(expression, cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            while (result.IsSuccess && result.ResultCount == 0)
            {
                // A newer scrape than the one that found nothing, and a good one.
                await Infrastructure.Eventually.TrueAsync(
                    async ct => await LastScrapeAsync(prometheus, ct) > scraped && (await prometheus.QueryAsync("up == 1", ct)).ResultCount == 1,
                    TimeSpan.FromSeconds(30),
                    "a good scrape of the test target");
                scraped = await LastScrapeAsync(prometheus, timeout.Token);
                result = await prometheus.QueryAsync(expression, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }

        return result;
    }

    /// <summary>When the target was last scraped (Unix seconds; 0 before the first scrape).</summary>
    private static async Task<double> LastScrapeAsync(PrometheusServer prometheus, CancellationToken cancellationToken) =>
        (await prometheus.QueryAsync("timestamp(up)", cancellationToken)).Values() is [var at] ? at : 0;

    private static IReadOnlyDictionary<string, Collector> DefinedMetrics()
    {
        var metrics = new GatewayMetrics();
        return typeof(GatewayMetrics).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => typeof(Collector).IsAssignableFrom(p.PropertyType))
            .Select(p => (Collector)p.GetValue(metrics)!)
            .ToDictionary(c => c.Name, StringComparer.Ordinal);
    }

    private static HashSet<string> LabelsOf(Collector metric, string series)
    {
        var labels = new HashSet<string>(metric.LabelNames, StringComparer.Ordinal);
        labels.UnionWith(TargetLabels);
        if (series.EndsWith("_bucket", StringComparison.Ordinal))
        {
            labels.Add("le");
        }

        return labels;
    }

    /// <summary>Gives every metric one child with values that make each panel's query return a series.</summary>
    private static void TouchEveryMetric(GatewayMetrics metrics)
    {
        foreach (var property in typeof(GatewayMetrics).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var collector = property.GetValue(metrics) as Collector;
            var labels = collector?.LabelNames.Select(l => l == "code" ? "502" : $"test_{l}").ToArray() ?? [];
            switch (collector)
            {
                case Counter counter:
                    counter.WithLabels(labels).Inc(3);
                    if (counter.LabelNames.Contains("code"))
                    {
                        counter.WithLabels([.. labels.Select(l => l == "502" ? "200" : l)]).Inc(7);
                    }

                    break;
                case Gauge gauge:
                    gauge.WithLabels(labels).Set(1);
                    break;
                case Histogram histogram:
                    histogram.WithLabels(labels).Observe(0.02);
                    histogram.WithLabels(labels).Observe(2);
                    break;
            }
        }
    }

    private static async Task<WebApplication> StartMetricsEndpointAsync(GatewayMetrics metrics, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/metrics", async context =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
        });
        await app.StartAsync(cancellationToken);
        return app;
    }

    // gateway_x{a="1", b=~"2"} and gateway_x_bucket{...}: the series name and its matchers.
    [GeneratedRegex(@"(?<name>gateway_[a-z0-9_]*[a-z0-9])\s*\{(?<matchers>[^}]*)\}")]
    private static partial Regex SelectorPattern();

    [GeneratedRegex(@"(?<label>[A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*""")]
    private static partial Regex MatcherPattern();

    // by (a, b) / without (a) / on (a) / ignoring (a) / group_left (a) / group_right (a)
    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\((?<labels>[^)]*)\)")]
    private static partial Regex GroupingPattern();
}
