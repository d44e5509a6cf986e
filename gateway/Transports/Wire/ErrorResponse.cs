namespace Gateway.Transports.Wire;

/// <summary>Every error the gateway answers itself: a stable <c>error</c> code and a human message.</summary>
internal sealed record ErrorResponse(string Error, string Message)
{
    public IReadOnlyList<string>? Allowed { get; init; }

    public int? RetryAfterSeconds { get; init; }
}
