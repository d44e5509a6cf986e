namespace Gateway.Bench.Publishing;

/// <summary>Publishes a run's events, in order, to one channel of one delivery path (NATS, or nchan's HTTP publisher).</summary>
internal interface IEventPublisher
{
    /// <summary>
    /// Publishes <paramref name="events"/> events of run <paramref name="run"/> to <paramref name="subject"/>, at
    /// <paramref name="rate"/> per second (null: as fast as the path takes them), and waits until the server has them.
    /// </summary>
    Task<PublishResult> PublishAsync(string subject, int run, int events, int? rate, int payloadBytes, CancellationToken cancellationToken);
}
