using Gateway.Bench.Results;

namespace Gateway.Bench.Peers;

/// <summary>
/// One measured delivery run of one peer. <see cref="ServerCpuSeconds"/> is the server side: nats-server and the server
/// for the gateway and the floor, nginx (master and workers) for nchan. <see cref="AllocatedBytesPerDelivery"/> and
/// <see cref="WorkItemsPerDelivery"/> are the .NET runtime's counters of the server process (gateway and floor), per
/// delivered event; null where the peer has none.
/// </summary>
internal sealed record DeliveryRow(
    string Workload,
    string Target,
    string Transport,
    RunResult Run,
    double ServerCpuSeconds,
    double? AllocatedBytesPerDelivery,
    double? WorkItemsPerDelivery);
