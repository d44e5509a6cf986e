namespace Gateway.Edge;

/// <summary>
/// Told about each write on a notify-on-write route: when it starts, and when it succeeded (before the <c>changed</c>
/// event goes out) with the validators of the new representation as the write's response showed them, or failed. The
/// watch waits while a write is in flight and takes its representation as already announced, so one write is one
/// change (docs/scale-out.md).
/// </summary>
internal interface IWriteObserver
{
    /// <summary>A write to the subject's resource is about to be proxied.</summary>
    ValueTask WriteStartingAsync(string subject, CancellationToken cancellationToken);

    /// <summary>The write failed (not 2xx, or no answer): nothing is announced.</summary>
    ValueTask WriteFailedAsync(string subject, CancellationToken cancellationToken);

    /// <param name="subject">The subject the <c>changed</c> event goes to.</param>
    /// <param name="etag">The response's <c>ETag</c>, if any.</param>
    /// <param name="bodyHash">The hash of the response body (<see cref="EdgeETagMiddleware.Compute"/>), if it had one.</param>
    ValueTask WriteAnnouncedAsync(string subject, string? etag, string? bodyHash, CancellationToken cancellationToken);
}
