namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>A request that a <see cref="TestBackend"/> received.</summary>
internal sealed record TestBackendRequest(string Method, string Path, string QueryString, IReadOnlyDictionary<string, string> Headers);
