using System.Text.Json;

namespace Gateway.IntegrationTests.Observability;

/// <summary>The answer of Prometheus's <c>/api/v1/query</c>, reduced to what tests assert on.</summary>
/// <param name="Status"><c>success</c> or <c>error</c>.</param>
/// <param name="ResultType"><c>vector</c>, <c>matrix</c>, <c>scalar</c> or <c>string</c>; null on error.</param>
/// <param name="ResultCount">Series in a vector or matrix; 1 for a scalar or string; 0 on error.</param>
/// <param name="Error">Prometheus's <c>errorType: error</c> text (a PromQL parse error, say); null on success.</param>
/// <param name="Result">The <c>data.result</c> element as returned (a detached copy); <c>default</c> on error.</param>
internal sealed record PrometheusQueryResult(string Status, string? ResultType, int ResultCount, string? Error, JsonElement Result)
{
    public bool IsSuccess => Status == "success";

    /// <summary>The sample values of an instant vector (<c>[ts, "value"]</c> of each series), or the scalar.</summary>
    public IReadOnlyList<double> Values()
    {
        if (!IsSuccess)
        {
            return [];
        }

        return ResultType switch
        {
            "vector" => [.. Result.EnumerateArray().Select(series => ParseSample(series.GetProperty("value")))],
            "scalar" => [ParseSample(Result)],
            _ => throw new InvalidOperationException($"Values() reads instant vectors and scalars, not a {ResultType}."),
        };
    }

    private static double ParseSample(JsonElement sample) =>
        double.Parse(sample[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
}
