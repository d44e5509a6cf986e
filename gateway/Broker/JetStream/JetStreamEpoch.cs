using NATS.Client.JetStream.Models;

namespace Gateway.Broker.JetStream;

/// <summary>A stream's epoch is its creation time: deleting and recreating the stream restarts sequences and changes it.</summary>
internal static class JetStreamEpoch
{
    public static string Of(StreamInfo info) => "j" + Convert.ToString(info.Created.ToUnixTimeMilliseconds(), 16);
}
