namespace Backends.Prices.Ticks;

/// <summary>The payload on prices.{ticker}: <c>{"ticker":"AAPL","price":187.23,"change":0.12,"ts":"..."}</c>.</summary>
internal sealed record PriceTick(string Ticker, decimal Price, decimal Change, DateTimeOffset Ts);
