using System.Text;
using Microsoft.Extensions.Logging;

namespace Gateway.IntegrationTests.Infrastructure;

internal sealed class TestLogger : ILogger
{
    private readonly TestLoggerProvider provider;
    private readonly string category;

    public TestLogger(TestLoggerProvider provider, string category)
    {
        this.provider = provider;

        // Keep the last part of the category: "Gateway.Transports.Sse.SseTransport" -> "SseTransport".
        this.category = category[(category.LastIndexOf('.') + 1)..];
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => provider.Scopes.Push(state);

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var line = new StringBuilder()
            .Append(DateTimeOffset.Now.ToString("HH:mm:ss.fff"))
            .Append(' ')
            .Append(Abbreviate(logLevel))
            .Append(' ')
            .Append(category)
            .Append('[').Append(eventId.Id).Append("] ")
            .Append(formatter(state, exception));
        provider.Scopes.ForEachScope((scope, builder) => builder.Append(" => ").Append(scope), line);
        if (exception is not null)
        {
            line.AppendLine().Append(exception);
        }

        provider.Write(line.ToString());
    }

    private static string Abbreviate(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
