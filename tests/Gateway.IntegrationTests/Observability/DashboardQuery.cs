namespace Gateway.IntegrationTests.Observability;

/// <summary>One PromQL expression from the dashboard or the alert rules, with Grafana's variables substituted.</summary>
/// <param name="Source">Where it comes from, for failure messages: <c>dashboard panel "Title" A</c>, <c>alert GatewayBrokerDown</c>.</param>
/// <param name="Expression">The PromQL, ready to send to Prometheus.</param>
internal sealed record DashboardQuery(string Source, string Expression)
{
    public override string ToString() => $"{Source}: {Expression}";
}
