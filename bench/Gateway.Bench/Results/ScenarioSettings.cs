namespace Gateway.Bench.Results;

/// <summary>The knobs a scenario ran with.</summary>
internal sealed record ScenarioSettings(int Subscribers, int Events, int Rate, IReadOnlyList<string> Variants, int PayloadBytes, int BaselineConnections);
