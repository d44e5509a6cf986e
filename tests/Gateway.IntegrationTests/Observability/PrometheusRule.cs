namespace Gateway.IntegrationTests.Observability;

/// <summary>One rule as Prometheus's <c>/api/v1/rules</c> reports it after evaluating it.</summary>
/// <param name="Group">The rule group's name.</param>
/// <param name="Name">The alert (or recording rule) name.</param>
/// <param name="Health"><c>ok</c>, <c>err</c>, or <c>unknown</c> before its first evaluation.</param>
/// <param name="LastError">Why the last evaluation failed; null when it did not.</param>
/// <param name="State">For alerts: <c>inactive</c>, <c>pending</c> or <c>firing</c>.</param>
internal sealed record PrometheusRule(string Group, string Name, string Health, string? LastError, string? State);
