namespace Gateway.BrowserTests;

/// <summary>A tick as JetStream stores it: its stream sequence (the end of its event id) and its number.</summary>
internal sealed record StoredTick(ulong Sequence, int Number);
