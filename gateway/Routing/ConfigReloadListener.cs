using Yarp.ReverseProxy.Configuration;

namespace Gateway.Routing;

/// <summary>Counts applied proxy configuration loads (the first and every hot reload).</summary>
internal sealed class ConfigReloadListener(Observability.GatewayMetrics metrics) : IConfigChangeListener
{
    public void ConfigurationApplied(IReadOnlyList<IProxyConfig> proxyConfigs) => metrics.ConfigReloads.Inc();

    public void ConfigurationApplyingFailed(IReadOnlyList<IProxyConfig> proxyConfigs, Exception exception)
    {
    }

    public void ConfigurationLoaded(IReadOnlyList<IProxyConfig> proxyConfigs)
    {
    }

    public void ConfigurationLoadingFailed(IProxyConfigProvider configProvider, Exception exception)
    {
    }
}
