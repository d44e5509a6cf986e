namespace Gateway.IntegrationTests.Infrastructure.Intermediaries;

/// <summary>A test intermediary between a client and the gateway (or another intermediary); they chain by URL.</summary>
internal interface IIntermediary : IAsyncDisposable
{
    /// <summary>Base URL, e.g. <c>http://127.0.0.1:40128</c> (no trailing slash): where the client (or the next hop) connects.</summary>
    string Url { get; }

    /// <summary>Requests received.</summary>
    int RequestCount { get; }
}
