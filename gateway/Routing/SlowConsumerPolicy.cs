namespace Gateway.Routing;

/// <summary>What happens when a session falls further behind than its queue capacity.</summary>
public enum SlowConsumerPolicy
{
    /// <summary>Close with reconnect advice; the client resumes from its cursor and loses nothing (default).</summary>
    Disconnect,

    /// <summary>Skip the oldest events and tell the client of the gap.</summary>
    DropOldest,
}
