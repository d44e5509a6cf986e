namespace Gateway.Watch;

/// <summary>
/// Moves a watched subject's baseline when notify-on-write announces a write to it: the change number goes up and the
/// write's validators wait for the watch, which then takes the new representation without announcing it again.
/// Subjects without a baseline (never watched) get none: a client's choice of path must not create entries.
/// </summary>
internal sealed partial class WatchWriteObserver(IWatchBaselines baselines, TimeProvider time, ILogger<WatchWriteObserver> logger) : Edge.IWriteObserver
{
    public ValueTask WriteStartingAsync(string subject, CancellationToken cancellationToken) =>
        UpdateAsync(subject, b => b with { Announced = new AnnouncedWrite(b.Announced?.ETag, b.Announced?.Hash, Now(), InFlight: true) }, cancellationToken);

    public ValueTask WriteFailedAsync(string subject, CancellationToken cancellationToken) =>
        UpdateAsync(subject, b => b.Announced is not { InFlight: true } pending ? null
            : b with { Announced = pending.HasValidator ? pending with { InFlight = false } : null }, cancellationToken);

    public ValueTask WriteAnnouncedAsync(string subject, string? etag, string? bodyHash, CancellationToken cancellationToken) =>
        UpdateAsync(subject, b => b with { Version = b.Version + 1, Announced = new AnnouncedWrite(etag, bodyHash, Now()) }, cancellationToken);

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Compare-and-set on the baseline; <paramref name="change"/> returns null for "leave it".</summary>
    private async ValueTask UpdateAsync(string subject, Func<WatchBaseline, WatchBaseline?> change, CancellationToken cancellationToken)
    {
        try
        {
            for (var attempt = 0; attempt < 5; attempt++)
            {
                var stored = await baselines.GetAsync(subject, cancellationToken);
                if (stored.Value is null || change(stored.Value) is not { } next)
                {
                    return;
                }

                if (await baselines.TryPutAsync(subject, next, stored.Revision, cancellationToken))
                {
                    return;
                }
            }

            Log.NotRecorded(logger, subject, "the baseline kept changing");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The write goes on and its event still goes out; at worst the watch announces it a second time.
            Log.NotRecorded(logger, subject, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(7200, LogLevel.Warning, "A write to {Subject} could not be recorded in the watch baseline: {Reason}")]
        public static partial void NotRecorded(ILogger logger, string subject, string reason);
    }
}
