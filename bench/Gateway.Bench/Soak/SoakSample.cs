namespace Gateway.Bench.Soak;

/// <summary>One look at the gateway during a soak: seconds since publishing began, RSS, open sessions, broker subscriptions, MB allocated so far, client reconnects so far.</summary>
internal sealed record SoakSample(double Seconds, long RssKb, int Sessions, int BrokerSubscriptions, double AllocatedMb, long Cycles);
