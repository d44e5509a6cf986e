namespace Gateway.Bench.Results;

/// <summary>What every scenario hands back to <c>Program</c>: its JSON and Markdown, and whether its checks held.</summary>
internal sealed record ScenarioOutput(string Scenario, DateTimeOffset StartedUtc, string Json, string Markdown, bool Passed);
