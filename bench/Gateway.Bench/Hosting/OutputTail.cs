using System.Diagnostics;

namespace Gateway.Bench.Hosting;

/// <summary>
/// The last lines a child process wrote (stdout and stderr), for error messages, plus every line with a problem marker
/// (up to 1000). Reading the output also keeps the pipes drained, so the child never blocks on a full pipe.
/// </summary>
internal sealed class OutputTail(string name, IReadOnlyList<string>? problemMarkers = null, int capacity = 200)
{
    private const int MaxProblems = 1000;

    private readonly Queue<string> _lines = new();
    private readonly List<string> _problems = [];
    private readonly Lock _lock = new();

    public void Attach(Process process)
    {
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public IReadOnlyList<string> Problems()
    {
        lock (_lock)
        {
            return [.. _problems];
        }
    }

    public bool Contains(string text)
    {
        lock (_lock)
        {
            return _lines.Any(l => l.Contains(text, StringComparison.OrdinalIgnoreCase));
        }
    }

    public override string ToString()
    {
        lock (_lock)
        {
            return $"--- last output of {name} ---{Environment.NewLine}{string.Join(Environment.NewLine, _lines)}";
        }
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            if (_lines.Count == capacity)
            {
                _lines.Dequeue();
            }

            _lines.Enqueue(line);
            if (_problems.Count < MaxProblems && problemMarkers is not null && problemMarkers.Any(m => line.Contains(m, StringComparison.Ordinal)))
            {
                _problems.Add(line);
            }
        }
    }
}
