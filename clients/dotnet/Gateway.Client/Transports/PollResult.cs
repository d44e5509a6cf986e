using EdgeGateway.Client.Wire;

namespace EdgeGateway.Client.Transports;

/// <summary>One poll request's result: an answer, "not modified", or how the request failed.</summary>
internal sealed record PollResult(PollResponse? Answer, ConnectionOutcome? Failure)
{
    public bool NotModified { get; init; }

    /// <summary>The gateway's <c>X-Poll-Interval</c> hint.</summary>
    public TimeSpan? Interval { get; init; }

    /// <summary>The answer's cursor is not the newest (its <c>ETag</c>): more events wait, so poll again at once.</summary>
    public bool MoreAvailable { get; init; }
}
