using Gateway.Bench.Hosting;

namespace Gateway.Bench.Results;

/// <summary>nats-server's view of the gateway: before the N clients connect, with them idle, and after the runs.</summary>
internal sealed record NatsResult(NatsCounts Before, NatsCounts Idle, NatsCounts After);
