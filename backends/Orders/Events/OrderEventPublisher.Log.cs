namespace Backends.Orders.Events;

internal sealed partial class OrderEventPublisher
{
    [LoggerMessage(100, LogLevel.Information, "Publishing order changes to NATS at {Url}")]
    private static partial void LogStarting(ILogger logger, string url);

    [LoggerMessage(101, LogLevel.Information, "Connected to NATS at {Url}")]
    private static partial void LogConnected(ILogger logger, string url);

    [LoggerMessage(102, LogLevel.Warning, "Disconnected from NATS at {Url}; order changes wait in the queue until it is back")]
    private static partial void LogDisconnected(ILogger logger, string url);

    [LoggerMessage(103, LogLevel.Warning, "Publishing {EventType} to {Subject} failed")]
    private static partial void LogPublishFailed(ILogger logger, string subject, string eventType, Exception exception);

    [LoggerMessage(104, LogLevel.Warning, "Publish queue full ({Capacity}); dropping the oldest order changes, first {Subject}")]
    private static partial void LogDropping(ILogger logger, int capacity, string subject);

    [LoggerMessage(105, LogLevel.Information, "Publishing again; {Dropped} order changes dropped so far")]
    private static partial void LogResumed(ILogger logger, long dropped);

    [LoggerMessage(106, LogLevel.Warning, "Stopping with {Count} order changes not published")]
    private static partial void LogAbandoned(ILogger logger, int count);

    [LoggerMessage(107, LogLevel.Information, "Orders:Publish is false; order changes are not published")]
    private static partial void LogDisabled(ILogger logger);
}
