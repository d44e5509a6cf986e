using System.Globalization;
using System.Text.Json;

namespace Gateway.Bench.Results;

/// <summary>Writes <c>&lt;scenario&gt;-&lt;timestamp&gt;.json</c> and <c>.md</c> into the results directory.</summary>
internal static class ResultWriter
{
    public static async Task<(string Json, string Markdown)> WriteAsync(ScenarioResult result, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var stem = Path.Combine(directory, $"{result.Scenario}-{result.StartedUtc.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");
        var json = stem + ".json";
        var markdown = stem + ".md";
        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(result, ResultJsonContext.Default.ScenarioResult) + "\n", cancellationToken);
        await File.WriteAllTextAsync(markdown, ResultTable.Render(result), cancellationToken);
        return (json, markdown);
    }
}
