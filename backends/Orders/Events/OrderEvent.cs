namespace Backends.Orders.Events;

/// <summary>One change waiting to go out: the order JSON, already encoded, for <paramref name="Subject"/>.</summary>
internal sealed record OrderEvent(string Subject, string EventType, byte[] Payload);
