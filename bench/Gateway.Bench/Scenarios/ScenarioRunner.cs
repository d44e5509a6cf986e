using System.Text.Json;
using Gateway.Bench.Drain;
using Gateway.Bench.Notify;
using Gateway.Bench.Results;
using Gateway.Bench.Storm;

namespace Gateway.Bench.Scenarios;

/// <summary>Runs one scenario on a fresh nats-server and gateway(s) and renders its result.</summary>
internal static class ScenarioRunner
{
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
            case ScenarioKind.Peers:
                var peers = await Peers.PeersScenario.RunAsync(options, cancellationToken);
                var markdown = Peers.PeersReport.Render(peers, options.Quick ? "bench/peers.sh --quick" : "bench/peers.sh");
                if (options.DocsPath is { } docs)
                {
                    await File.WriteAllTextAsync(docs, markdown, cancellationToken);
                    Console.Error.WriteLine($"written: {docs}");
                }

                return new(peers.Scenario, peers.StartedUtc, JsonSerializer.Serialize(peers, ResultJsonContext.Default.PeersResult), markdown, peers.Passed);
            default:
                var fanout = await FanoutScenario.RunAsync(kind, options, cancellationToken);
                return new(fanout.Scenario, fanout.StartedUtc, JsonSerializer.Serialize(fanout, ResultJsonContext.Default.ScenarioResult), ResultTable.Render(fanout), fanout.Lossless);
        }
    }
}
