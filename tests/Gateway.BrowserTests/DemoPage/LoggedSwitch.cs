namespace Gateway.BrowserTests;

/// <summary>One line of the demo page's "Fallbacks and upgrades" log: a fallback, upgrade, forced switch or failure.</summary>
internal sealed record LoggedSwitch(string Kind, string Panel, string? From, string? To, string? Reason);
