namespace Gateway.IntegrationTests.Transports;

/// <summary>The rows of the transport x broker matrix.</summary>
public static class TransportMatrix
{
    public static readonly string[] Transports = ["websocket", "sse", "longpolling", "polling"];

    public static readonly string[] Brokers = ["JetStream", "Nats", "Memory"];

    public static TheoryData<string, string> All()
    {
        var data = new TheoryData<string, string>();
        foreach (var t in Transports)
        {
            foreach (var b in Brokers)
            {
                data.Add(t, b);
            }
        }

        return data;
    }

    public static TheoryData<string, string> Streaming()
    {
        var data = new TheoryData<string, string>();
        foreach (var t in new[] { "websocket", "sse" })
        {
            foreach (var b in Brokers)
            {
                data.Add(t, b);
            }
        }

        return data;
    }
}
