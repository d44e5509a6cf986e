using Xunit.Abstractions;

namespace Gateway.IntegrationTests.Infrastructure;

internal static class TestOutput
{
    /// <summary>
    /// Writes to the test's output if it still accepts lines: xunit throws once the test has finished, and
    /// background threads (a server's log, a child process's stdout) often outlive it by a moment.
    /// </summary>
    /// <summary>A line sink for <see cref="Gateway.Testing.ProcessOutput"/> that writes to <paramref name="output"/>; null for none.</summary>
    public static Action<string>? Echo(ITestOutputHelper? output) => output is null ? null : line => TryWriteLine(output, line);

    public static void TryWriteLine(ITestOutputHelper? output, string line)
    {
        if (output is null)
        {
            return;
        }

        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
        }
    }
}
