using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// Sends an in-process server's logs to the test's output (so a failure shows what the server did) and keeps the
/// most recent lines so that a test can check that something was logged.
/// </summary>
internal sealed class TestLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private const int MaxLines = 10_000;

    private readonly ConcurrentQueue<string> lines = new();
    private readonly string prefix;
    private readonly ITestOutputHelper? output;
    private IExternalScopeProvider scopes = new LoggerExternalScopeProvider();

    public TestLoggerProvider(string prefix, ITestOutputHelper? output)
    {
        this.prefix = prefix;
        this.output = output;
    }

    /// <summary>The recent log lines, oldest first.</summary>
    public IReadOnlyList<string> Lines => [.. lines];

    public ILogger CreateLogger(string categoryName) => new TestLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => scopes = scopeProvider;

    public void Dispose()
    {
    }

    internal IExternalScopeProvider Scopes => scopes;

    internal void Write(string line)
    {
        lines.Enqueue(line);
        while (lines.Count > MaxLines && lines.TryDequeue(out _))
        {
        }

        TestOutput.TryWriteLine(output, $"[{prefix}] {line}");
    }
}
