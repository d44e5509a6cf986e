namespace Gateway.Watch;

/// <summary>One backend resource being watched: the subject its changes go to, and where to poll it.</summary>
internal sealed record WatchedResource(string RouteId, string? ClusterId, string Subject, string BackendPath, TimeSpan Interval);
