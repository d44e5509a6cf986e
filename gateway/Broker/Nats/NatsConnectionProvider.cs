using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace Gateway.Broker.Nats;

/// <summary>
/// Owns the instance's one NATS connection. It connects in the background and reconnects forever: a broker outage
/// makes the gateway unready, never makes it exit.
/// </summary>
internal sealed partial class NatsConnectionProvider : IAsyncDisposable
{
    private readonly ILogger<NatsConnectionProvider> _logger;
    private readonly Observability.GatewayMetrics _metrics;
    private int _opens;

    public NatsConnectionProvider(IOptions<BrokerOptions> options, ILoggerFactory loggerFactory, Observability.GatewayMetrics metrics)
    {
        _logger = loggerFactory.CreateLogger<NatsConnectionProvider>();
        _metrics = metrics;
        var o = options.Value;
        Connection = new NatsConnection(CreateOpts(options.Value, loggerFactory));
        Connection.ConnectionDisconnected += OnDisconnected;
        Connection.ConnectionOpened += OnOpened;
        Connection.ReconnectFailed += OnReconnectFailed;
    }

    public NatsConnection Connection { get; }

    /// <summary>The client options for <paramref name="o"/>, already validated by <see cref="BrokerOptionsValidator"/>
    /// (docs/scale-out.md "Broker connection").</summary>
    internal static NatsOpts CreateOpts(BrokerOptions o, ILoggerFactory loggerFactory)
    {
        var servers = BrokerOptionsValidator.ParseServers(o.Url, []);
        var tls = o.Tls.IsSet || servers.Any(s => s.Scheme is "tls" or "wss");
        return new NatsOpts
        {
            // NATS.Net takes the seed list comma-separated and learns the other cluster members from the INFO it gets.
            Url = string.Join(',', servers.Select(s => s.GetComponents(UriComponents.SchemeAndServer | UriComponents.UserInfo, UriFormat.UriEscaped))),
            Name = "edge-gateway",
            NoRandomize = !o.RandomizeServers,
            MaxReconnectRetry = -1,
            ReconnectWaitMin = o.ReconnectWaitMin,
            ReconnectWaitMax = o.ReconnectWaitMax,
            ReconnectJitter = o.ReconnectJitter,
            PingInterval = o.PingInterval,
            MaxPingOut = o.MaxPingsOut,
            RequestTimeout = o.RequestTimeout,
            CommandTimeout = o.RequestTimeout,
            ConnectTimeout = o.RequestTimeout,
            RetryOnInitialConnect = true,
            LoggerFactory = loggerFactory,
            SubPendingChannelFullMode = System.Threading.Channels.BoundedChannelFullMode.Wait,
            TlsOpts = tls
                ? new NatsTlsOpts { Mode = TlsMode.Require, CaFile = Blank(o.Tls.CaFile), CertFile = Blank(o.Tls.CertFile), KeyFile = Blank(o.Tls.KeyFile) }
                : NatsTlsOpts.Default,
            AuthOpts = string.IsNullOrWhiteSpace(o.CredentialsFile) ? NatsAuthOpts.Default : NatsAuthOpts.Default with { CredsFile = o.CredentialsFile },
        };

        static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
    }

    public bool IsConnected => Connection.ConnectionState == NatsConnectionState.Open;

    /// <summary>Raised on every disconnect: core-NATS feeds use it to mark a gap.</summary>
    public event Action? Disconnected;

    /// <summary>Raised when the connection opens again after a disconnect: JetStream feeds recreate their consumers, which a
    /// restarted server no longer has.</summary>
    public event Action? Reconnected;

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Connection.ConnectAsync();
                return;
            }
            catch (Exception ex) when (ex is NatsException or TimeoutException)
            {
                Log.ConnectFailed(_logger, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Connection.ConnectionDisconnected -= OnDisconnected;
        Connection.ConnectionOpened -= OnOpened;
        Connection.ReconnectFailed -= OnReconnectFailed;
        return Connection.DisposeAsync();
    }

    private ValueTask OnDisconnected(object? sender, NatsEventArgs args)
    {
        Log.Disconnected(_logger, args.Message);
        _metrics.BrokerConnected.Set(0);
        Disconnected?.Invoke();
        return ValueTask.CompletedTask;
    }

    private ValueTask OnOpened(object? sender, NatsEventArgs args)
    {
        Log.Connected(_logger, args.Message);
        _metrics.BrokerConnected.Set(1);
        if (Interlocked.Increment(ref _opens) > 1)
        {
            Reconnected?.Invoke();
        }

        _metrics.BrokerConnects.Inc();
        return ValueTask.CompletedTask;
    }

    private ValueTask OnReconnectFailed(object? sender, NatsEventArgs args)
    {
        _metrics.BrokerReconnectFailures.Inc();
        return ValueTask.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(1000, LogLevel.Information, "Connected to NATS: {Message}")]
        public static partial void Connected(ILogger logger, string message);

        [LoggerMessage(1001, LogLevel.Warning, "Disconnected from NATS: {Message}")]
        public static partial void Disconnected(ILogger logger, string message);

        [LoggerMessage(1002, LogLevel.Warning, "Cannot connect to NATS yet: {Message}")]
        public static partial void ConnectFailed(ILogger logger, string message);
    }
}
