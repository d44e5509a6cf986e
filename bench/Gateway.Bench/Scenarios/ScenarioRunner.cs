using System.Text.Json;
using Gateway.Bench.Drain;
using Gateway.Bench.Notify;
using Gateway.Bench.Results;
using Gateway.Bench.Storm;

namespace Gateway.Bench.Scenarios;

/// <summary>Runs one scenario on a fresh nats-server and gateway(s) and renders its result.</summary>
internal static class ScenarioRunner
{
    /// <summary>In docs/benchmarks.md: what follows this line is not the peers report and survives its rewrite.</summary>
    private const string KeptMarker = "<!-- sections below are kept by bench/peers.sh -->";

    public static async Task<ScenarioOutput> RunAsync(ScenarioKind kind, BenchOptions options, CancellationToken cancellationToken)
    {
        switch (kind)
        {
            case ScenarioKind.Drain:
                var drain = await DrainScenario.RunAsync(options, cancellationToken);
                return new(drain.Scenario, drain.StartedUtc, JsonSerializer.Serialize(drain, ResultJsonContext.Default.DrainResult), DrainTable.Render(drain), drain.Passed);
            case ScenarioKind.Storm:
                var storm = await StormScenario.RunAsync(options, cancellationToken);
                return new(storm.Scenario, storm.StartedUtc, JsonSerializer.Serialize(storm, ResultJsonContext.Default.StormResult), StormTable.Render(storm), storm.Passed);
            case ScenarioKind.Notify:
                var notify = await NotifyScenario.RunAsync(options, cancellationToken);
                return new(notify.Scenario, notify.StartedUtc, JsonSerializer.Serialize(notify, ResultJsonContext.Default.NotifyResult), NotifyTable.Render(notify), notify.Passed);
            case ScenarioKind.Polling:
                var polling = await Polling.PollingScenario.RunAsync(options, cancellationToken);
                return new(polling.Scenario, polling.StartedUtc, JsonSerializer.Serialize(polling, ResultJsonContext.Default.PollingResult), Polling.PollingTable.Render(polling), polling.Passed);
            case ScenarioKind.Soak:
                var soak = await Soak.SoakScenario.RunAsync(options, cancellationToken);
                return new(soak.Scenario, soak.StartedUtc, JsonSerializer.Serialize(soak, ResultJsonContext.Default.SoakResult), Soak.SoakTable.Render(soak), soak.Passed);
            case ScenarioKind.Peers:
                var peers = await Peers.PeersScenario.RunAsync(options, cancellationToken);
                var markdown = Peers.PeersReport.Render(peers, options.Quick ? "bench/peers.sh --quick" : "bench/peers.sh");
                if (options.DocsPath is { } docs)
                {
                    // Sections of other scenarios (below the marker) are measured by other commands: keep them.
                    var kept = File.Exists(docs) ? await File.ReadAllTextAsync(docs, cancellationToken) : "";
                    var marker = kept.IndexOf(KeptMarker, StringComparison.Ordinal);
                    await File.WriteAllTextAsync(docs, marker >= 0 ? markdown.TrimEnd() + "\n\n" + kept[marker..] : markdown, cancellationToken);
                    Console.Error.WriteLine($"written: {docs}");
                }

                return new(peers.Scenario, peers.StartedUtc, JsonSerializer.Serialize(peers, ResultJsonContext.Default.PeersResult), markdown, peers.Passed);
            default:
                var fanout = await FanoutScenario.RunAsync(kind, options, cancellationToken);
                return new(fanout.Scenario, fanout.StartedUtc, JsonSerializer.Serialize(fanout, ResultJsonContext.Default.ScenarioResult), ResultTable.Render(fanout), fanout.Lossless);
        }
    }
}
