using System.Text.Json;
using System.Threading.Channels;
using Backends.Orders.Hosting;
using Backends.Orders.Store;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace Backends.Orders.Events;

/// <summary>
/// Publishes order changes to core NATS (orders.{id}, header Gw-Event) from a bounded queue, so a request
/// never waits for NATS: while NATS is down changes wait in the queue, in order, and go out on reconnect;
/// a full queue drops the oldest. The gateway's JetStream stream captures orders.> by itself.
/// </summary>
internal sealed partial class OrderEventPublisher : BackgroundService
{
    private readonly OrderEventsOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<OrderEventPublisher> _logger;
    private readonly Channel<OrderEvent> _queue;
    private readonly CancellationTokenSource _flushDeadline = new();
    private NatsConnection? _connection;
    private long _dropped;
    private int _dropping;

    public OrderEventPublisher(IOptions<OrderEventsOptions> options, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<OrderEventPublisher>();
        _queue = Channel.CreateBounded<OrderEvent>(
            new BoundedChannelOptions(_options.PublishQueueCapacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
            },
            OnDropped);
    }

    /// <summary>disabled, starting, or the NATS connection state (Open, Reconnecting, ...).</summary>
    public string State => !_options.Publish ? "disabled" : _connection?.ConnectionState.ToString() ?? "starting";

    public int Pending => _queue.Reader.Count;

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues a change for publishing; returns at once.</summary>
    public void Publish(string eventType, Order order)
    {
        if (_options.Publish)
        {
            var payload = JsonSerializer.SerializeToUtf8Bytes(order, OrdersJsonContext.Default.Order);
            _queue.Writer.TryWrite(new OrderEvent($"orders.{order.Id}", eventType, payload));
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Let what is queued go out, for a short while only: NATS may be the reason we are stopping.
        _queue.Writer.TryComplete();
        _flushDeadline.CancelAfter(_options.FlushTimeout);
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _flushDeadline.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Publish)
        {
            LogDisabled(_logger);
            return;
        }

        var opts = NatsOpts.Default with
        {
            Url = _options.NatsUrl,
            Name = "orders-backend",
            LoggerFactory = _loggerFactory,
            RetryOnInitialConnect = true,
        };
        await using var connection = new NatsConnection(opts);
        connection.ConnectionOpened += (_, _) => { LogConnected(_logger, _options.NatsUrl); return ValueTask.CompletedTask; };
        connection.ConnectionDisconnected += (_, _) => { LogDisconnected(_logger, _options.NatsUrl); return ValueTask.CompletedTask; };
        _connection = connection;
        LogStarting(_logger, _options.NatsUrl);

        var cancellationToken = _flushDeadline.Token;
        try
        {
            await foreach (var change in _queue.Reader.ReadAllAsync(cancellationToken))
            {
                await PublishAsync(connection, change, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogAbandoned(_logger, _queue.Reader.Count + 1);
        }
    }

    private async Task PublishAsync(NatsConnection connection, OrderEvent change, CancellationToken cancellationToken)
    {
        var headers = new NatsHeaders
        {
            ["Gw-Event"] = change.EventType,
            ["Content-Type"] = "application/json",
        };
        try
        {
            // While disconnected this waits for the reconnect (NatsOpts.PublishTimeoutOnDisconnected is false).
            await connection.PublishAsync(change.Subject, change.Payload, headers, cancellationToken: cancellationToken);
            if (Interlocked.Exchange(ref _dropping, 0) == 1)
            {
                LogResumed(_logger, Dropped);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogPublishFailed(_logger, change.Subject, change.EventType, ex);
        }
    }

    private void OnDropped(OrderEvent change)
    {
        Interlocked.Increment(ref _dropped);
        if (Interlocked.Exchange(ref _dropping, 1) == 0)
        {
            LogDropping(_logger, _options.PublishQueueCapacity, change.Subject);
        }
    }
}
