namespace Gateway.Lifecycle;

/// <summary>Graceful drain settings, section <c>Gateway:Drain</c>.</summary>
public sealed class DrainOptions
{
    public const string Section = "Gateway:Drain";

    /// <summary>Default 30 s: sessions are asked to reconnect in paced batches spread over this window.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Default 5 s after the window: sessions still open then are aborted.</summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Default true: a drain started by <c>POST /admin/drain</c> ends with the process exiting 0, as on SIGTERM.</summary>
    public bool ExitAfterDrain { get; set; } = true;
}
