namespace Backends.Orders.Stats;

/// <summary>GET /healthz: always 200 while the API serves; NATS's state is information, not health.</summary>
internal sealed record HealthBody(string Status, string Nats, int PendingEvents, long DroppedEvents);
