namespace Gateway.Broker;

/// <summary>TLS for the broker connection, section <c>Gateway:Broker:Tls</c>. Paths are PEM files.</summary>
public sealed class BrokerTlsOptions
{
    /// <summary>Default none: CA bundle that signs the servers' certificates; set for a private CA.</summary>
    public string? CaFile { get; set; }

    /// <summary>Default none: client certificate for mutual TLS; needs <see cref="KeyFile"/>.</summary>
    public string? CertFile { get; set; }

    /// <summary>Default none: the client certificate's private key.</summary>
    public string? KeyFile { get; set; }

    /// <summary>Default false: whether TLS is required even when the URL says <c>nats://</c>. Any file above, or a
    /// <c>tls://</c> URL, requires it too.</summary>
    public bool Required { get; set; }

    internal bool IsSet => Required || !string.IsNullOrWhiteSpace(CaFile) || !string.IsNullOrWhiteSpace(CertFile) || !string.IsNullOrWhiteSpace(KeyFile);
}
