namespace Gateway.Bench.Drain;

/// <summary>
/// The end of one exchange: what happened, the delay the gateway advised, whether it said "draining", and for a refusal
/// the HTTP status (429 or 503).
/// </summary>
internal readonly record struct Exchange(ExchangeKind Kind, TimeSpan Delay, bool Draining, int Status = 0)
{
    public static readonly Exchange Failed = new(ExchangeKind.Failed, TimeSpan.Zero, false);

    public static Exchange Continue(TimeSpan delay) => new(ExchangeKind.Continue, delay, false);

    public static Exchange Advised(TimeSpan delay, bool draining) => new(ExchangeKind.Advised, delay, draining);

    public static Exchange Refused(int status, TimeSpan delay, bool draining) => new(ExchangeKind.Refused, delay, draining, status);
}
