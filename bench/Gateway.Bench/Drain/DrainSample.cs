namespace Gateway.Bench.Drain;

/// <summary>
/// One 500 ms sample after the drain began: A's streaming sessions, B's <c>gateway_sessions_started_total</c> and
/// <c>gateway_reconnects_rejected_total{reason="global_rate"}</c> (counters, route <c>bench</c>), and how many clients
/// have had a working exchange with B.
/// </summary>
internal sealed record DrainSample(double Seconds, double AStreamSessions, double BSessionsStarted, double BGlobalRateRejected, int ClientsOnB);
