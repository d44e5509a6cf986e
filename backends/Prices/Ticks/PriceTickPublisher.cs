using System.Text.Json;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace Backends.Prices.Ticks;

/// <summary>
/// Publishes a random-walk tick for every ticker to core NATS (prices.{ticker}, header Gw-Event: tick) at a
/// fixed rate. While NATS is unreachable the prices keep moving but nothing is queued: a stale tick is worth
/// nothing, and NATS.Net reconnects by itself.
/// </summary>
internal sealed partial class PriceTickPublisher(
    IOptions<PricesOptions> options,
    TimeProvider time,
    ILoggerFactory loggerFactory,
    ILogger<PriceTickPublisher> logger) : BackgroundService
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(1);

    private static readonly Dictionary<string, decimal> StartPrices = new(StringComparer.OrdinalIgnoreCase)
    {
        ["AAPL"] = 187.23m,
        ["MSFT"] = 410.52m,
        ["GOOG"] = 141.80m,
        ["AMZN"] = 178.25m,
        ["NVDA"] = 121.40m,
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var random = new Random();
        var walks = settings.TickerList()
            .Select(ticker => (Ticker: ticker, Subject: $"prices.{ticker}", Walk: new RandomWalk(StartPrices.GetValueOrDefault(ticker, 100m), random)))
            .ToArray();

        await using var connection = new NatsConnection(NatsOpts.Default with
        {
            Url = settings.NatsUrl,
            Name = "prices-backend",
            LoggerFactory = loggerFactory,
            RetryOnInitialConnect = true,
        });
        connection.ConnectionOpened += (_, _) => { LogConnected(logger, settings.NatsUrl); return ValueTask.CompletedTask; };
        connection.ConnectionDisconnected += (_, _) => { LogDisconnected(logger, settings.NatsUrl); return ValueTask.CompletedTask; };
        _ = ConnectAsync(connection, stoppingToken);
        LogStarting(logger, walks.Length, settings.TicksPerSecond, settings.NatsUrl);

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / settings.TicksPerSecond), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var open = connection.ConnectionState == NatsConnectionState.Open;
                foreach (var (ticker, subject, walk) in walks)
                {
                    var change = walk.Step();
                    if (open)
                    {
                        await PublishAsync(connection, subject, new PriceTick(ticker, walk.Price, change, time.GetUtcNow()), stoppingToken);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task ConnectAsync(NatsConnection connection, CancellationToken stoppingToken)
    {
        try
        {
            // With RetryOnInitialConnect this keeps trying until NATS answers; later outages NATS.Net handles itself.
            await connection.ConnectAsync();
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogConnectFailed(logger, options.Value.NatsUrl, ex);
        }
        catch (Exception)
        {
            // Disposed while stopping.
        }
    }

    private async Task PublishAsync(NatsConnection connection, string subject, PriceTick tick, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(PublishTimeout);
        try
        {
            var payload = JsonSerializer.SerializeToUtf8Bytes(tick, PricesJsonContext.Default.PriceTick);
            await connection.PublishAsync(subject, payload, new NatsHeaders { ["Gw-Event"] = "tick" }, cancellationToken: timeout.Token);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogPublishFailed(logger, subject, ex);
        }
    }
}
