namespace Gateway.Broker;

/// <summary>The broker could not take or give events now; callers answer 503 with <c>Retry-After</c>.</summary>
public sealed class BrokerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
