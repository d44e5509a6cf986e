namespace Gateway.Routing;

/// <summary>
/// A route's bounds for the adaptive short-poll interval (<c>Push.PollIntervalMin</c>, <c>Push.PollIntervalMax</c>):
/// the hint follows the subject's event rate between them (docs/polling.md).
/// </summary>
internal sealed record PollBounds(TimeSpan Min, TimeSpan Max)
{
    /// <summary>Default minimum 1 s: a busy subject's pollers ask about once a second per client, not in a tight loop.</summary>
    public static readonly TimeSpan DefaultMin = TimeSpan.FromSeconds(1);

    /// <summary>Default maximum 30 s: a quiet subject's change is seen within half a minute.</summary>
    public static readonly TimeSpan DefaultMax = TimeSpan.FromSeconds(30);

    /// <summary>The smallest bound a route may set: 100 ms, as for <c>Push.PollInterval</c>.</summary>
    public static readonly TimeSpan Floor = TimeSpan.FromMilliseconds(100);

    /// <summary>The largest bound a route may set: 1 h.</summary>
    public static readonly TimeSpan Ceiling = TimeSpan.FromHours(1);
}
