using System.ComponentModel.DataAnnotations;

namespace Gateway.Multiplexing;

/// <summary>The limits of multiplexed streams (<c>/_gateway/stream</c>), section <c>Gateway:Multiplex</c> (docs/configuration.md).</summary>
public sealed class MultiplexOptions
{
    public const string Section = "Gateway:Multiplex";

    /// <summary>
    /// Default 100: subscriptions one connection (or one poll) may carry. A page with many panels fits; a client cannot
    /// make one connection cost the instance thousands of sessions.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxSubscriptions { get; set; } = 100;

    /// <summary>
    /// Default 4,096 characters: the longest composite cursor accepted (about 20 characters per subscription, so 100
    /// subscriptions fit twice over); longer input is answered <c>400 cursor_too_long</c> before anything is parsed.
    /// </summary>
    [Range(64, 65_536)]
    public int MaxCursorLength { get; set; } = 4096;

    /// <summary>
    /// Default 20 subscribes per second per WebSocket (burst 40): a client cycling subscriptions gets error frames
    /// (<c>rate_limited</c>) instead of making the instance open and close sessions without bound.
    /// </summary>
    [Range(1, 100_000)]
    public int SubscribeRatePerSecond { get; set; } = 20;
}
