using Gateway.Routing;

namespace Gateway.Push;

/// <summary>The transports a route offers now: its own list in the operator's order, minus any switched off host-wide.</summary>
internal static class TransportOffer
{
    public static List<string> Of(PushRoute route, PushOptions push)
    {
        var result = new List<string>(route.Transports.Count);
        foreach (var t in route.Transports)
        {
            if (!push.DisabledTransports.Any(d => TransportNames.TryParse(d, out var off) && off == t))
            {
                result.Add(t.Name());
            }
        }

        return result;
    }

    /// <summary>Every transport in the gateway's default order, minus any switched off host-wide.</summary>
    public static List<string> All(PushOptions push) =>
        [.. ((TransportKind[])[TransportKind.WebSocket, TransportKind.Sse, TransportKind.LongPolling, TransportKind.Polling])
            .Where(t => !push.DisabledTransports.Any(d => TransportNames.TryParse(d, out var off) && off == t))
            .Select(t => t.Name())];
}
