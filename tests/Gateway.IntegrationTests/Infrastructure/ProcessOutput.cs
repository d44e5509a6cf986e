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
    private TaskCompletionSource stdoutEnded = Ended();
    private TaskCompletionSource stderrEnded = Ended();

    public ProcessOutput(string prefix, ITestOutputHelper? output)
    {
        this.prefix = prefix;
        this.output = output;
    }

    /// <summary>Starts reading both streams of <paramref name="process"/>, which must redirect them.</summary>
    public void Attach(Process process)
    {
        var stdout = stdoutEnded = Ended();
        var stderr = stderrEnded = Ended();

        // A null line is the end of that stream: the child has exited (or closed it) and every line before it was seen.
        process.OutputDataReceived += (_, e) => OnLine(e.Data, stdout);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data, stderr);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>
    /// Waits until both streams of the last attached process reached their end, so what the process printed before
    /// it exited is all here (<see cref="Process.HasExited"/> turns true before the pipes are read to the end).
    /// Returns false if that took longer than <paramref name="timeout"/> (a grandchild may hold a pipe open).
    /// </summary>
    public async Task<bool> WaitForEndAsync(TimeSpan timeout)
    {
        var both = Task.WhenAll(stdoutEnded.Task, stderrEnded.Task);
        return await Task.WhenAny(both, Task.Delay(timeout)) == both;
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

    private static TaskCompletionSource Ended() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void OnLine(string? line, TaskCompletionSource ended)
    {
        if (line is null)
        {
            ended.TrySetResult();
            return;
        }

        Append(line);
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
