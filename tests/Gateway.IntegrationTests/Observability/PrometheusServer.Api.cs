using System.Text.Json;

namespace Gateway.IntegrationTests.Observability;

/// <summary>The HTTP API calls: queries, scrape targets and rules.</summary>
internal sealed partial class PrometheusServer
{
    /// <summary>Runs an instant query (<c>/api/v1/query</c>). A PromQL error comes back as a result, not an exception.</summary>
    public async Task<PrometheusQueryResult> QueryAsync(string promql, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync($"{Url}/api/v1/query?query={Uri.EscapeDataString(promql)}", cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        using var document = ParseApiResponse(response, body);
        var root = document.RootElement;
        var status = root.GetProperty("status").GetString() ?? "unknown";
        if (status != "success")
        {
            var error = root.TryGetProperty("error", out var e) ? e.GetString() : body;
            var errorType = root.TryGetProperty("errorType", out var t) ? t.GetString() : null;
            return new PrometheusQueryResult(status, null, 0, errorType is null ? error : $"{errorType}: {error}", default);
        }

        var data = root.GetProperty("data");
        var resultType = data.GetProperty("resultType").GetString();
        var result = data.GetProperty("result").Clone();
        var count = resultType is "vector" or "matrix" ? result.GetArrayLength() : 1;
        return new PrometheusQueryResult(status, resultType, count, null, result);
    }

    /// <summary>Waits until the target's last scrape succeeded; on timeout, throws with Prometheus's scrape error.</summary>
    public async Task WaitForTargetUpAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? DefaultWaitTimeout;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(limit);
        var last = "no scrape yet";
        try
        {
            while (true)
            {
                using (var response = await http.GetAsync($"{Url}/api/v1/targets?state=active", cts.Token))
                {
                    using var document = ParseApiResponse(response, await response.Content.ReadAsStringAsync(cts.Token));
                    foreach (var target in document.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray())
                    {
                        var health = target.GetProperty("health").GetString();
                        if (health == "up")
                        {
                            return;
                        }

                        last = $"{target.GetProperty("scrapeUrl").GetString()} is {health}: {target.GetProperty("lastError").GetString()}";
                    }
                }

                await Task.Delay(PollInterval, cts.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"Prometheus did not scrape {Target} successfully within {limit.TotalSeconds:0} s ({last}).{Environment.NewLine}{Output}");
        }
    }

    /// <summary>Every rule of the loaded rule files, with its health after the latest evaluation (<c>/api/v1/rules</c>).</summary>
    public async Task<IReadOnlyList<PrometheusRule>> RulesAsync(CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync($"{Url}/api/v1/rules", cancellationToken);
        using var document = ParseApiResponse(response, await response.Content.ReadAsStringAsync(cancellationToken));
        var rules = new List<PrometheusRule>();
        foreach (var group in document.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray())
        {
            var groupName = group.GetProperty("name").GetString() ?? string.Empty;
            foreach (var rule in group.GetProperty("rules").EnumerateArray())
            {
                rules.Add(new PrometheusRule(
                    groupName,
                    rule.GetProperty("name").GetString() ?? string.Empty,
                    rule.GetProperty("health").GetString() ?? "unknown",
                    rule.TryGetProperty("lastError", out var error) && error.GetString() is { Length: > 0 } text ? text : null,
                    rule.TryGetProperty("state", out var state) ? state.GetString() : null));
            }
        }

        return rules;
    }

    /// <summary>Waits until every rule has been evaluated at least once (none is <c>unknown</c>) and returns them.</summary>
    public async Task<IReadOnlyList<PrometheusRule>> WaitForRulesEvaluatedAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? DefaultWaitTimeout;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(limit);
        IReadOnlyList<PrometheusRule> rules = [];
        try
        {
            while (true)
            {
                rules = await RulesAsync(cts.Token);
                if (rules.Count > 0 && rules.All(r => r.Health != "unknown"))
                {
                    return rules;
                }

                await Task.Delay(PollInterval, cts.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var pending = rules.Count == 0 ? "no rules loaded" : string.Join(", ", rules.Where(r => r.Health == "unknown").Select(r => r.Name));
            throw new TimeoutException(
                $"Prometheus did not evaluate the rules of {RulesFile} within {limit.TotalSeconds:0} s (not yet: {pending}).{Environment.NewLine}{Output}");
        }
    }

    private static JsonDocument ParseApiResponse(HttpResponseMessage response, string body)
    {
        // Errors (400 bad_data, 422 execution, 503 timeout) still carry the API's JSON envelope; anything else is not
        // Prometheus answering.
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            throw new HttpRequestException(
                $"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode} without JSON: {body}", null, response.StatusCode);
        }
    }
}
