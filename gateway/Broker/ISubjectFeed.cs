namespace Gateway.Broker;

/// <summary>
/// A live feed of one subject, opened once per subject per instance and shared by all its sessions.
/// Events arrive with sequences greater than <see cref="StartSequence"/>.
/// </summary>
internal interface ISubjectFeed : IAsyncDisposable
{
    /// <summary>Identifies the history the sequences belong to; a cursor of another epoch cannot be served.</summary>
    string Epoch { get; }

    /// <summary>The head when the feed opened: a client that connects without a cursor starts here.</summary>
    ulong StartSequence { get; }

    /// <summary>Live events in order. A <see cref="FeedGap"/> item means events may have been missed.</summary>
    IAsyncEnumerable<FeedItem> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Reads retained events with <c>afterSequence &lt; seq &lt;= throughSequence</c>, oldest first, at most <paramref name="max"/>.
    /// Returns null when the broker no longer holds everything after <paramref name="afterSequence"/> (the client must reset).
    /// </summary>
    ValueTask<IReadOnlyList<BrokerEvent>?> ReadHistoryAsync(ulong afterSequence, ulong throughSequence, int max, CancellationToken cancellationToken);
}

/// <summary>An item of a live feed: an event, or a gap after which sequences restart in a new epoch.</summary>
internal abstract record FeedItem;

internal sealed record FeedEvent(BrokerEvent Event) : FeedItem;

internal sealed record FeedGap(string NewEpoch, ulong NewStartSequence) : FeedItem;
