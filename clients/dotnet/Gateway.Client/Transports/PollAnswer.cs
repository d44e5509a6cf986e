using EdgeGateway.Client.Wire;

namespace EdgeGateway.Client.Transports;

/// <summary>Applies a long or short poll answer to the sink; both transports share the shape.</summary>
internal static class PollAnswer
{
    /// <summary>Delivers the answer's events (or its reset), moves the cursor, and returns its reconnect advice, if any.</summary>
    public static async ValueTask<ServerReconnect?> ApplyAsync(PollResponse answer, IConnectionSink sink, CancellationToken cancellationToken)
    {
        if (answer.Reset && answer.Cursor is { } resetCursor)
        {
            sink.Reset(resetCursor);
        }
        else if (answer.Events is { } events)
        {
            foreach (var e in events)
            {
                if (e.Id is { } id)
                {
                    await sink.DeliverAsync(id, e.Event ?? "message", e.Data, cancellationToken);
                }
            }
        }

        if (answer.Gap is { } gap && answer.Cursor is { } gapCursor)
        {
            sink.Gap(gapCursor, gap.Skipped);
        }

        if (answer.Cursor is { } cursor)
        {
            sink.Advance(cursor);
        }

        return answer.Reconnect;
    }

    /// <summary>A failed poll after earlier polls worked is a reconnect, not a verdict on the transport.</summary>
    public static ConnectionOutcome AfterWorking(ConnectionOutcome outcome, bool worked) =>
        worked && outcome.Kind == OutcomeKind.FallBack
            ? ConnectionOutcome.Reconnect(outcome.Reason, delivered: true, error: outcome.Error)
            : outcome;
}
