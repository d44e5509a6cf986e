using System.Diagnostics;
using System.Text;

namespace Gateway.Testing;

/// <summary>
/// Collects a child process's stdout and stderr (the most recent lines only, so a chatty process cannot grow the
/// host's memory) for failure messages, keeps every line with a problem marker (up to 1,000), and echoes each line
/// when asked. Reading the output also keeps the pipes drained, so the child never blocks on a full pipe.
/// </summary>
internal sealed class ProcessOutput
{
    private const int MaxProblems = 1_000;

    private readonly Queue<string> lines = new();
    private readonly List<string> problems = [];
    private readonly string prefix;
    private readonly Action<string>? echo;
    private readonly IReadOnlyList<string> problemMarkers;
    private readonly int capacity;
    private readonly Lock gate = new();
    private TaskCompletionSource stdoutEnded = Ended();
    private TaskCompletionSource stderrEnded = Ended();

    /// <param name="prefix">Names the process in echoed lines and in <see cref="ToString"/>.</param>
    /// <param name="echo">Receives every line, prefixed (a test's output); null for none.</param>
    /// <param name="problemMarkers">Substrings that make a line a problem (<c>[ERR]</c>, <c> fail: </c>).</param>
    /// <param name="capacity">How many recent lines are kept.</param>
    public ProcessOutput(string prefix, Action<string>? echo = null, IReadOnlyList<string>? problemMarkers = null, int capacity = 5_000)
    {
        this.prefix = prefix;
        this.echo = echo;
        this.problemMarkers = problemMarkers ?? [];
        this.capacity = capacity;
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
            if (lines.Count > capacity)
            {
                lines.Dequeue();
            }

            if (problems.Count < MaxProblems && problemMarkers.Any(m => line.Contains(m, StringComparison.Ordinal)))
            {
                problems.Add(line);
            }
        }

        echo?.Invoke($"[{prefix}] {line}");
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

    /// <summary>Lines that carried a problem marker, oldest first.</summary>
    public IReadOnlyList<string> Problems()
    {
        lock (gate)
        {
            return [.. problems];
        }
    }

    public override string ToString()
    {
        lock (gate)
        {
            var text = new StringBuilder();
            text.Append("--- last output of ").Append(prefix).AppendLine(" ---");
            foreach (var line in lines)
            {
                text.AppendLine(line);
            }

            return text.ToString();
        }
    }
}
