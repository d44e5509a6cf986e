using System.Globalization;

namespace Gateway.Bench.Results;

/// <summary>Writes <c>&lt;scenario&gt;-&lt;timestamp&gt;.json</c> and <c>.md</c> into the results directory.</summary>
internal static class ResultWriter
{
    public static async Task<(string Json, string Markdown)> WriteAsync(ScenarioOutput output, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var stem = Path.Combine(directory, $"{output.Scenario}-{output.StartedUtc.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");
        var json = stem + ".json";
        var markdown = stem + ".md";
        await File.WriteAllTextAsync(json, output.Json + "\n", cancellationToken);
        await File.WriteAllTextAsync(markdown, output.Markdown, cancellationToken);
        return (json, markdown);
    }
}
