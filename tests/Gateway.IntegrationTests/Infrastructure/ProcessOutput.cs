using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// Collects a child process's stdout and stderr (the most recent lines only, so a chatty process cannot grow the
/// test host's memory) for failure messages, and echoes each line to the test output when one is given.
/// </summary>
internal sealed class ProcessOutput
{
    private const int MaxLines = 5_000;

    private readonly Queue<string> lines = new();
    private readonly string prefix;
    private readonly ITestOutputHelper? output;
    private readonly Lock gate = new();

    public ProcessOutput(string prefix, ITestOutputHelper? output)
    {
        this.prefix = prefix;
        this.output = output;
    }

    /// <summary>Starts reading both streams of <paramref name="process"/>, which must redirect them.</summary>
    public void Attach(Process process)
    {
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (gate)
        {
            lines.Enqueue(line);
            if (lines.Count > MaxLines)
            {
                lines.Dequeue();
            }
        }

        TestOutput.TryWriteLine(output, $"[{prefix}] {line}");
    }

    public bool Contains(string text)
    {
        lock (gate)
        {
            return lines.Any(l => l.Contains(text, StringComparison.OrdinalIgnoreCase));
        }
    }

    public override string ToString()
    {
        lock (gate)
        {
            var text = new StringBuilder();
            foreach (var line in lines)
            {
                text.AppendLine(line);
            }

            return text.ToString();
        }
    }
}
