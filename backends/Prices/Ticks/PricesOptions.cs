namespace Backends.Prices.Ticks;

/// <summary>Configuration section <c>Prices</c>.</summary>
internal sealed class PricesOptions
{
    public const string DefaultNatsUrl = "nats://127.0.0.1:4222";

    /// <summary>
    /// The NATS server. Default: <c>Prices:NatsUrl</c>, else the NATS_URL environment variable, else
    /// nats://127.0.0.1:4222 (config/nats-server.conf).
    /// </summary>
    public string NatsUrl { get; set; } = "";

    /// <summary>Comma-separated tickers, one subject prices.{ticker} each. Default: five well-known ones.</summary>
    public string Tickers { get; set; } = "AAPL,MSFT,GOOG,AMZN,NVDA";

    /// <summary>Ticks per second for each ticker. Default 2: lively on the demo page, cheap everywhere.</summary>
    public double TicksPerSecond { get; set; } = 2;

    public IReadOnlyList<string> TickerList() =>
        Tickers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
