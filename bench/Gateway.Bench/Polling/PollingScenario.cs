using System.Diagnostics;
using Gateway.Bench.Hosting;
using Gateway.Bench.Publishing;
using Gateway.Bench.Results;

namespace Gateway.Bench.Polling;

/// <summary>
/// Adaptive short polling (docs/polling.md), measured: N short pollers on a quiet subject and N on a busy one (R events/s
/// published to NATS), every poller obeying <c>X-Poll-Interval</c> and sending <c>If-None-Match</c>. Reports each group's
/// request rate, 200s and 304s, the hints, the gateway's CPU per poll, and how many requests reached the backend behind
/// the route (none should: the gateway answers polls, 304 or not, from its own topic).
/// </summary>
internal static class PollingScenario
{
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Min = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(5);

    public static async Task<PollingResult> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var wall = Stopwatch.StartNew();
        var load = MachineInfo.LoadAverage();
        Progress($"{options.Pollers} short pollers on /items/quiet/events and {options.Pollers} on /items/busy/events ({options.PollEventRate} events/s); " +
            $"bounds {Min.TotalSeconds}..{Max.TotalSeconds} s; {WarmUp.TotalSeconds:0} s warm-up, {options.PollDuration.TotalSeconds:0} s measured");

        await using var nats = await NatsServerProcess.LaunchAsync(options.NatsServer, cancellationToken);
        await using var backend = await ItemsBackend.StartAsync(cancellationToken);
        await using var gateway = await GatewayProcess.StartAsync(options.GatewayDll, nats.Url, Config(backend.Url), cancellationToken);
        await using var publisher = await EventPublisher.ConnectAsync(nats.Url);
        Progress($"nats-server {nats.Url}, backend {backend.Url}, gateway {gateway.PublicUrl} (pid {gateway.Pid}) ready");
        using var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            UseProxy = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };

        var quiet = Enumerable.Range(0, options.Pollers).Select(_ => new ShortPoller(http, new Uri(gateway.PublicUrl, "/items/quiet/events"))).ToList();
        var busy = Enumerable.Range(0, options.Pollers).Select(_ => new ShortPoller(http, new Uri(gateway.PublicUrl, "/items/busy/events"))).ToList();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var total = WarmUp + options.PollDuration + TimeSpan.FromSeconds(5);
        var publishing = publisher.PublishAsync("items.busy", 1, (int)(options.PollEventRate * total.TotalSeconds), options.PollEventRate, 64, stop.Token, cancellationToken);
        var loops = quiet.Concat(busy).Select(p => p.RunAsync(stop.Token)).ToList();

        await Task.Delay(WarmUp, cancellationToken);
        var gets = backend.Gets;
        var cpu = CpuMeter.Read(gateway.Process);
        foreach (var p in quiet.Concat(busy))
        {
            p.Measuring = true;
        }

        var measured = Stopwatch.StartNew();
        await Task.Delay(options.PollDuration, cancellationToken);
        foreach (var p in quiet.Concat(busy))
        {
            p.Measuring = false;
        }

        var seconds = measured.Elapsed.TotalSeconds;
        var cpuSeconds = CpuMeter.Read(gateway.Process) - cpu;
        var backendRequests = backend.Gets - gets;
        await stop.CancelAsync();
        foreach (var loop in loops)
        {
            try
            {
                await loop;
            }
            catch (OperationCanceledException)
            {
            }
        }

        var published = await publishing;
        var groups = new[] { Group("quiet", quiet, seconds, 0), Group("busy", busy, seconds, options.PollEventRate) };
        foreach (var g in groups)
        {
            Progress($"{g.Subject,-5}: {g.RequestsPerSecond:F1} req/s ({g.RequestsPerPollerPerSecond:F3} per poller), {g.NotModified} x 304, {g.Ok} x 200, " +
                $"{g.EventsReceived} events; hint mean {g.MeanHintSeconds:F2} s ({g.MinHintSeconds:F2}..{g.MaxHintSeconds:F2}, {g.DistinctHints} distinct); {g.Failed} failed");
        }

        var answers = groups.Sum(g => g.Ok + g.NotModified);
        Progress($"backend requests during the run: {backendRequests}; gateway CPU {cpuSeconds:F2} s = {(answers > 0 ? cpuSeconds * 1000 / answers : 0):F3} ms per poll; {published.Published} events published");
        return new PollingResult
        {
            StartedUtc = started,
            WallSeconds = wall.Elapsed.TotalSeconds,
            Machine = MachineInfo.Capture(load),
            MeasuredSeconds = seconds,
            MinIntervalSeconds = Min.TotalSeconds,
            MaxIntervalSeconds = Max.TotalSeconds,
            Groups = groups,
            BackendRequests = backendRequests,
            GatewayCpuMsPerPoll = answers > 0 ? cpuSeconds * 1000 / answers : 0,
            GatewayUp = !gateway.HasExited,
            GatewayProblemLog = [.. gateway.ProblemLines().Take(50)],
            NatsServerProblemLog = [.. nats.ProblemLines().Take(50)],
        };
    }

    private static PollingGroup Group(string subject, List<ShortPoller> pollers, double seconds, double rate)
    {
        var answers = pollers.Sum(p => p.Stats.Ok + p.Stats.NotModified);
        var requests = pollers.Sum(p => p.Stats.Requests);
        return new PollingGroup
        {
            Subject = subject,
            Pollers = pollers.Count,
            EventsPerSecond = rate,
            Requests = requests,
            RequestsPerSecond = requests / seconds,
            Ok = pollers.Sum(p => p.Stats.Ok),
            NotModified = pollers.Sum(p => p.Stats.NotModified),
            Failed = pollers.Sum(p => p.Stats.Failed),
            EventsReceived = pollers.Sum(p => p.Stats.Events),
            MeanHintSeconds = answers > 0 ? pollers.Sum(p => p.Stats.HintSeconds) / answers : 0,
            MinHintSeconds = answers > 0 ? pollers.Min(p => p.Stats.MinHint) : 0,
            MaxHintSeconds = pollers.Max(p => p.Stats.MaxHint),
            DistinctHints = pollers.SelectMany(p => p.Stats.DistinctHintsMs).Distinct().Count(),
        };
    }

    /// <summary>The stream route has a backend (a GET without <c>transport</c> is plain REST), so a poll that leaked through would show.</summary>
    private static string Config(Uri backend) => """
        {"Gateway":{"Limits":{"GlobalConnectRate":100000,"GlobalConnectBurst":100000,"ConnectRatePerClient":100000,"ConnectBurstPerClient":100000,"PollRatePerClient":100000,"PollBurstPerClient":100000,"MaxSessionsPerClient":1000000,"MaxPollsInFlightPerClient":1000000,"MaxNegotiationsInFlightPerClient":1000000}},
         "ReverseProxy":{"Routes":{"item-events":{"ClusterId":"c","Match":{"Path":"/items/{id}/events"},
                                                  "Metadata":{"Push.Subject":"items.{id}","Push.PollIntervalMin":"00:00:00.250","Push.PollIntervalMax":"00:00:05"}}},
                         "Clusters":{"c":{"Destinations":{"d1":{"Address":"BACKEND"}}}}}}
        """.Replace("BACKEND", backend.ToString(), StringComparison.Ordinal);

    private static void Progress(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] polling: {message}");
}
