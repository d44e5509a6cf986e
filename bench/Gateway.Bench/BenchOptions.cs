using System.Globalization;
using Gateway.Bench.Scenarios;

namespace Gateway.Bench;

/// <summary>Command-line options. Defaults are sized so that <c>bench/run.sh</c> finishes in about three minutes on two cores.</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        usage: Gateway.Bench [options]
          --scenario NAME[,NAME...]         fanout, websocket, longpolling, drain, storm, notify, polling, peers or all (default all: all but peers and longpolling)
          --subscribers N                   subscribers on one subject (default 1000)
          --events M                        events published per variant (default 2000)
          --rate R                          target publish rate of the paced variant, events/s (default 500)
          --variants paced,max              paced = at --rate, max = as fast as possible (default both)
          --payload-bytes B                 approximate JSON payload size (default 128, at least 64)
          --baseline-connections C          core-NATS connections the baseline spreads its subscriptions over (default 50)
          --connect-concurrency K           connects in flight while subscribers connect (default 64)
          --stall-seconds S                 a run ends when nothing arrives for S seconds after the last publish;
                                            what is missing then counts as lost (default 15)
          --timeout SECONDS                 hard limit for the whole run (default 1200)
        drain (two instances, one drains):
          --drain-clients N                 clients, split evenly over websocket, sse, longpolling, polling (default 1000)
          --drain-rate R                    events/s published throughout (default 100)
        storm (connect storm against the global bucket):
          --storm-clients N                 WebSocket clients connecting at once (default 5000)
          --storm-rate R                    Gateway:Limits:GlobalConnectRate (default 500)
          --storm-burst B                   Gateway:Limits:GlobalConnectBurst (default 500)
        notify (PUT through the gateway -> changed event):
          --notify-subscribers N            SSE subscribers on /items/1/events (default 1000)
          --notify-writes W                 PUTs (and baseline publishes) per run (default 200)
          --notify-interval-ms I            one write every I ms (default 50)
        polling (adaptive short polling, X-Poll-Interval obeyed):
          --pollers N                       short pollers on each of a quiet and a busy subject (default 100)
          --poll-seconds S                  measured seconds, after a 5 s warm-up (default 30)
          --poll-rate R                     events/s published on the busy subject (default 20)
        soak (hours of drop/resume churn, never part of "all"; the run's --timeout grows to fit unless given):
          --soak-minutes M                  minutes of publishing while clients drop and resume (default 60)
          --soak-clients N                  clients, split evenly over websocket, sse, longpolling, polling (default 200)
          --soak-rate R                     events/s published throughout (default 10)
        peers (bench/peers.sh: the gateway against nchan, a Kestrel fan-out floor, nginx and bare YARP):
          --quick                           smoke-test sizes (about two minutes)
          --docs PATH                       also write the report there (bench/peers.sh: docs/benchmarks.md)
          --nginx PATH                      default nginx on PATH, else /usr/sbin/nginx
          --nchan-module PATH               default /usr/lib/nginx/modules/ngx_nchan_module.so
          --wrk PATH                        default wrk on PATH
          --floor-dll PATH, --yarp-dll PATH default bench/Gateway.Bench.Floor|Yarp/bin/Release/net10.0/*.dll
          --gateway-dll PATH                default gateway/bin/Release/net10.0/Gateway.dll
          --nats-server PATH                default $NATS_SERVER, else nats-server on PATH, else /usr/sbin/nats-server
          --results DIR                     default bench/results
        """;

    public static readonly IReadOnlyList<ScenarioKind> AllScenarios =
        [ScenarioKind.Fanout, ScenarioKind.WebSocket, ScenarioKind.Drain, ScenarioKind.Storm, ScenarioKind.Notify, ScenarioKind.Polling];

    public IReadOnlyList<ScenarioKind> Scenarios { get; init; } = AllScenarios;

    public int Subscribers { get; init; } = 1000;

    public int Events { get; init; } = 2000;

    public int Rate { get; init; } = 500;

    public IReadOnlyList<PublishVariant> Variants { get; init; } = [PublishVariant.Paced, PublishVariant.Max];

    public int PayloadBytes { get; init; } = 128;

    public int BaselineConnections { get; init; } = 50;

    public int ConnectConcurrency { get; init; } = 64;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1200);

    /// <summary>No new delivery for this long after the last publish ends a run: what is missing then is lost.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary><c>soak</c>: how long events flow while clients drop and resume.</summary>
    public TimeSpan SoakDuration { get; init; } = TimeSpan.FromMinutes(60);

    public int SoakClients { get; init; } = 200;

    public int SoakRate { get; init; } = 10;

    public int DrainClients { get; init; } = 1000;

    public int DrainRate { get; init; } = 100;

    public int StormClients { get; init; } = 5000;

    public int StormRate { get; init; } = 500;

    public int StormBurst { get; init; } = 500;

    public int NotifySubscribers { get; init; } = 1000;

    public int NotifyWrites { get; init; } = 200;

    public TimeSpan NotifyInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    public int Pollers { get; init; } = 100;

    public TimeSpan PollDuration { get; init; } = TimeSpan.FromSeconds(30);

    public int PollEventRate { get; init; } = 20;

    public bool Quick { get; init; }

    public string? DocsPath { get; init; }

    public string Nginx { get; init; } = "";

    public string NchanModule { get; init; } = "";

    public string Wrk { get; init; } = "";

    public string FloorDll { get; init; } = "";

    public string YarpDll { get; init; } = "";

    public string RepositoryRoot { get; init; } = "";

    public string GatewayDll { get; init; } = "";

    public string NatsServer { get; init; } = "";

    public string ResultsDirectory { get; init; } = "";

    /// <summary>Parses <paramref name="args"/>; on <c>--help</c> returns false with a null error.</summary>
    public static bool TryParse(string[] args, out BenchOptions options, out string? error)
    {
        var o = new BenchOptions();
        var timeoutGiven = false;
        string? gatewayDll = null, natsServer = null, results = null, docs = null, nginx = null, nchanModule = null, wrk = null, floorDll = null, yarpDll = null;
        error = null;
        options = o;
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                var name = args[i];
                var value = name.Contains('=', StringComparison.Ordinal) ? name[(name.IndexOf('=', StringComparison.Ordinal) + 1)..] : null;
                if (value is not null)
                {
                    name = name[..name.IndexOf('=', StringComparison.Ordinal)];
                }

                string Next() => value ?? (++i < args.Length ? args[i] : throw new FormatException($"{name} needs a value."));

                switch (name)
                {
                    case "-h" or "--help":
                        return false;
                    case "--scenario":
                        o = o with { Scenarios = ParseScenarios(Next()) };
                        break;
                    case "--subscribers":
                        o = o with { Subscribers = Int(name, Next(), 1, 100_000) };
                        break;
                    case "--events":
                        o = o with { Events = Int(name, Next(), 1, 1_000_000) };
                        break;
                    case "--rate":
                        o = o with { Rate = Int(name, Next(), 1, 1_000_000) };
                        break;
                    case "--variants":
                        o = o with { Variants = ParseVariants(Next()) };
                        break;
                    case "--payload-bytes":
                        o = o with { PayloadBytes = Int(name, Next(), 64, 60_000) };
                        break;
                    case "--baseline-connections":
                        o = o with { BaselineConnections = Int(name, Next(), 1, 1000) };
                        break;
                    case "--connect-concurrency":
                        o = o with { ConnectConcurrency = Int(name, Next(), 1, 10_000) };
                        break;
                    case "--stall-seconds":
                        o = o with { StallTimeout = TimeSpan.FromSeconds(Int(name, Next(), 1, 3600)) };
                        break;
                    case "--timeout":
                        o = o with { Timeout = TimeSpan.FromSeconds(Int(name, Next(), 10, 7 * 86_400)) };
                        timeoutGiven = true;
                        break;
                    case "--drain-clients":
                        o = o with { DrainClients = Int(name, Next(), 4, 20_000) };
                        break;
                    case "--drain-rate":
                        o = o with { DrainRate = Int(name, Next(), 1, 10_000) };
                        break;
                    case "--storm-clients":
                        o = o with { StormClients = Int(name, Next(), 1, 50_000) };
                        break;
                    case "--storm-rate":
                        o = o with { StormRate = Int(name, Next(), 1, 100_000) };
                        break;
                    case "--storm-burst":
                        o = o with { StormBurst = Int(name, Next(), 1, 100_000) };
                        break;
                    case "--notify-subscribers":
                        o = o with { NotifySubscribers = Int(name, Next(), 1, 20_000) };
                        break;
                    case "--notify-writes":
                        o = o with { NotifyWrites = Int(name, Next(), 1, 100_000) };
                        break;
                    case "--notify-interval-ms":
                        o = o with { NotifyInterval = TimeSpan.FromMilliseconds(Int(name, Next(), 1, 60_000)) };
                        break;
                    case "--pollers":
                        o = o with { Pollers = Int(name, Next(), 1, 20_000) };
                        break;
                    case "--poll-seconds":
                        o = o with { PollDuration = TimeSpan.FromSeconds(Int(name, Next(), 1, 3600)) };
                        break;
                    case "--poll-rate":
                        o = o with { PollEventRate = Int(name, Next(), 1, 10_000) };
                        break;
                    case "--soak-minutes":
                        o = o with { SoakDuration = TimeSpan.FromMinutes(Int(name, Next(), 1, 7 * 24 * 60)) };
                        break;
                    case "--soak-clients":
                        o = o with { SoakClients = Int(name, Next(), 4, 20_000) };
                        break;
                    case "--soak-rate":
                        o = o with { SoakRate = Int(name, Next(), 1, 10_000) };
                        break;
                    case "--quick":
                        o = o with { Quick = true };
                        break;
                    case "--docs":
                        docs = Next();
                        break;
                    case "--nginx":
                        nginx = Next();
                        break;
                    case "--nchan-module":
                        nchanModule = Next();
                        break;
                    case "--wrk":
                        wrk = Next();
                        break;
                    case "--floor-dll":
                        floorDll = Next();
                        break;
                    case "--yarp-dll":
                        yarpDll = Next();
                        break;
                    case "--gateway-dll":
                        gatewayDll = Next();
                        break;
                    case "--nats-server":
                        natsServer = Next();
                        break;
                    case "--results":
                        results = Next();
                        break;
                    default:
                        throw new FormatException($"unknown option '{name}'.");
                }
            }
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return false;
        }

        if (!timeoutGiven && o.Scenarios.Contains(ScenarioKind.Soak))
        {
            o = o with { Timeout = o.Timeout + o.SoakDuration };
        }

        var root = FindRepositoryRoot();
        options = o with
        {
            RepositoryRoot = root,
            GatewayDll = Path.GetFullPath(gatewayDll ?? Path.Combine(root, "gateway", "bin", "Release", "net10.0", "Gateway.dll")),
            NatsServer = natsServer ?? FindNatsServer(),
            ResultsDirectory = Path.GetFullPath(results ?? Path.Combine(root, "bench", "results")),
            DocsPath = docs is null ? null : Path.GetFullPath(docs),
            Nginx = nginx ?? OnPath("nginx") ?? "/usr/sbin/nginx",
            NchanModule = nchanModule ?? "/usr/lib/nginx/modules/ngx_nchan_module.so",
            Wrk = wrk ?? OnPath("wrk") ?? "wrk",
            FloorDll = Path.GetFullPath(floorDll ?? Path.Combine(root, "bench", "Gateway.Bench.Floor", "bin", "Release", "net10.0", "Gateway.Bench.Floor.dll")),
            YarpDll = Path.GetFullPath(yarpDll ?? Path.Combine(root, "bench", "Gateway.Bench.Yarp", "bin", "Release", "net10.0", "Gateway.Bench.Yarp.dll")),
        };
        if (!File.Exists(options.GatewayDll))
        {
            error = $"{options.GatewayDll} does not exist; build it with 'dotnet build gateway -c Release' (bench/run.sh does).";
            return false;
        }

        return true;
    }

    private static int Int(string name, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new FormatException($"{name} takes a whole number in {min}..{max}, not '{text}'.");

    private static List<ScenarioKind> ParseScenarios(string text)
    {
        var result = new List<ScenarioKind>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            IReadOnlyList<ScenarioKind> kinds = part.ToLowerInvariant() switch
            {
                "fanout" or "sse" => [ScenarioKind.Fanout],
                "websocket" or "ws" => [ScenarioKind.WebSocket],
                "longpolling" or "lp" => [ScenarioKind.LongPolling],
                "drain" => [ScenarioKind.Drain],
                "storm" => [ScenarioKind.Storm],
                "notify" => [ScenarioKind.Notify],
                "polling" => [ScenarioKind.Polling],
                "peers" => [ScenarioKind.Peers],
                "soak" => [ScenarioKind.Soak],
                "all" => AllScenarios,
                _ => throw new FormatException($"--scenario takes fanout, websocket, drain, storm, notify, polling, peers, soak or all, not '{part}'."),
            };
            result.AddRange(kinds.Where(k => !result.Contains(k)));
        }

        return result.Count > 0 ? result : throw new FormatException("--scenario lists nothing.");
    }

    private static List<PublishVariant> ParseVariants(string text)
    {
        var result = new List<PublishVariant>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var variant = part.ToLowerInvariant() switch
            {
                "paced" => PublishVariant.Paced,
                "max" => PublishVariant.Max,
                _ => throw new FormatException($"--variants takes paced and/or max, not '{part}'."),
            };
            if (!result.Contains(variant))
            {
                result.Add(variant);
            }
        }

        return result.Count > 0 ? result : throw new FormatException("--variants lists nothing.");
    }

    private static string FindRepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Gateway.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return Directory.GetCurrentDirectory();
    }

    private static string FindNatsServer()
    {
        if (Environment.GetEnvironmentVariable("NATS_SERVER") is { Length: > 0 } configured)
        {
            return configured;
        }

        return OnPath("nats-server") ?? "/usr/sbin/nats-server";
    }

    private static string? OnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
