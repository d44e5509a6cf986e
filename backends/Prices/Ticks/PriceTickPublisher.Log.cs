namespace Backends.Prices.Ticks;

internal sealed partial class PriceTickPublisher
{
    [LoggerMessage(200, LogLevel.Information, "Publishing {Count} tickers at {Rate}/s each to prices.{{ticker}} on {Url}")]
    private static partial void LogStarting(ILogger logger, int count, double rate, string url);

    [LoggerMessage(201, LogLevel.Information, "Connected to NATS at {Url}; ticks flow")]
    private static partial void LogConnected(ILogger logger, string url);

    [LoggerMessage(202, LogLevel.Warning, "Disconnected from NATS at {Url}; ticks are skipped until it is back")]
    private static partial void LogDisconnected(ILogger logger, string url);

    [LoggerMessage(203, LogLevel.Warning, "Publishing to {Subject} failed")]
    private static partial void LogPublishFailed(ILogger logger, string subject, Exception exception);

    [LoggerMessage(204, LogLevel.Error, "Connecting to NATS at {Url} failed for good; no ticks will be published")]
    private static partial void LogConnectFailed(ILogger logger, string url, Exception exception);
}
