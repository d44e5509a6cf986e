namespace Gateway.Edge;

/// <summary>The demo page, section <c>Gateway:Demo</c>.</summary>
public sealed class DemoOptions
{
    public const string Section = "Gateway:Demo";

    /// <summary>
    /// Default false: the demo page (<c>/</c>, <c>/index.html</c>, <c>/_gateway/demo.*</c>) is for trying the gateway out,
    /// and served on a production public port it would shadow the backend's <c>/</c>. The sample <c>appsettings.json</c>
    /// that <c>scripts/run.sh</c> uses switches it on. The browser client (<c>/_gateway/client.js</c>) is always served.
    /// </summary>
    public bool Enabled { get; set; }
}
