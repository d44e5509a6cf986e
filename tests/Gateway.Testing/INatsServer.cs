namespace Gateway.Testing;

/// <summary>One way of providing a nats-server to the tests: a local binary, a container, or an external server.</summary>
internal interface INatsServer : IAsyncDisposable
{
    /// <summary>Client URL, <c>nats://host:port</c>; the same across restarts.</summary>
    string Url { get; }

    /// <summary>HTTP monitoring URL (<c>/varz</c>, <c>/subsz</c>, <c>/healthz</c>); the same across restarts.</summary>
    string MonitorUrl { get; }

    /// <summary>Says which kind of server this is and where, for diagnostics.</summary>
    string Description { get; }

    /// <summary>Starts the server again after a stop or kill; a no-op while it runs. Returns when JetStream is ready.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Shuts the server down gracefully (SIGTERM) and waits until it has exited.</summary>
    Task StopAsync(CancellationToken cancellationToken);

    /// <summary>Kills the server without warning (SIGKILL) and waits until it has exited.</summary>
    Task KillAsync(CancellationToken cancellationToken);
}
