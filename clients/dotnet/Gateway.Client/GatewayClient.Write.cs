using System.Net.Http.Headers;

namespace EdgeGateway.Client;

/// <summary>Idempotent writes: a generated <c>Idempotency-Key</c>, safe retries (the gateway's docs/idempotency.md).</summary>
public sealed partial class GatewayClient
{
    /// <summary>The header a write's key travels in.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>
    /// Sends a write (<paramref name="method"/>, usually POST or PATCH) to <paramref name="pathAndQuery"/> with an
    /// <c>Idempotency-Key</c> and retries it safely: every attempt carries the same key and the same bytes, so on a route
    /// with <c>Edge.Idempotency</c> the backend sees the write at most once, and a retry of a write that went through is
    /// answered from the gateway's store (<c>Idempotent-Replayed: true</c>). Retried: network failures,
    /// <c>409 idempotency_key_in_flight</c> (the first attempt is still running, after its <c>Retry-After</c>), <c>429</c>
    /// and <c>500</c>/<c>502</c>/<c>503</c>/<c>504</c> (the gateway stored nothing; after <c>Retry-After</c>, else
    /// full-jitter back-off). Every other answer, a backend's own 409 included, is final.
    /// </summary>
    /// <returns>The last answer; the caller disposes it.</returns>
    /// <exception cref="HttpRequestException">Every attempt failed on the network (the last failure).</exception>
    public async Task<HttpResponseMessage> WriteAsync(
        HttpMethod method, string pathAndQuery, HttpContent? content, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentException.ThrowIfNullOrEmpty(pathAndQuery);
        if (!pathAndQuery.StartsWith('/') || pathAndQuery.Contains('#'))
        {
            throw new ArgumentException("The path must start with '/' and carry no fragment, e.g. /orders.", nameof(pathAndQuery));
        }

        options ??= new WriteOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAttempts, 1, nameof(options));
        var key = options.IdempotencyKey ?? NewIdempotencyKey();
        var uri = new Uri(baseText + pathAndQuery);

        // Read once: every attempt sends the same bytes (a stream content could not be sent twice).
        var body = content is null ? null : await content.ReadAsByteArrayAsync(cancellationToken);
        Exception? lastError = null;
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan delay;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (options.AttemptTimeout is { } limit)
            {
                timeout.CancelAfter(limit);
            }

            try
            {
                using var request = new HttpRequestMessage(method, uri);
                request.Headers.TryAddWithoutValidation(IdempotencyKeyHeader, key);
                if (await AccessTokenAsync(cancellationToken) is { Length: > 0 } token)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                }

                if (body is not null)
                {
                    request.Content = new ByteArrayContent(body);
                    foreach (var header in content!.Headers)
                    {
                        request.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
                    }
                }

                var response = await Http.SendAsync(request, timeout.Token);
                if (attempt >= options.MaxAttempts || !await IsRetryableAsync(response, cancellationToken))
                {
                    return response;
                }

                delay = RetryAfter(response) ?? FullJitter.Delay(attempt - 1, options.BaseDelay, options.MaxDelay, Random.Shared);
                options.OnRetry?.Invoke(new WriteRetry(attempt, (int)response.StatusCode, null, delay, key));
                response.Dispose();
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                lastError = ex;
                if (attempt >= options.MaxAttempts)
                {
                    throw ex as HttpRequestException ?? new HttpRequestException($"The write failed on every one of {options.MaxAttempts} attempts.", ex);
                }

                delay = FullJitter.Delay(attempt - 1, options.BaseDelay, options.MaxDelay, Random.Shared);
                options.OnRetry?.Invoke(new WriteRetry(attempt, null, lastError, delay, key));
            }

            await Task.Delay(delay, Options.TimeProvider, cancellationToken);
        }
    }

    /// <summary>A new random <c>Idempotency-Key</c>: a UUID v4 from the platform's CSPRNG.</summary>
    public static string NewIdempotencyKey() => Guid.NewGuid().ToString("D");

    /// <summary>True when the gateway stored nothing for the key (or its first attempt still runs): sending it again is safe.</summary>
    private static async Task<bool> IsRetryableAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        switch ((int)response.StatusCode)
        {
            case 429 or 500 or 502 or 503 or 504:
                return true;
            case 409:
                // A backend's own 409 (a conflict it decided) is stored and would only be replayed: retry the gateway's alone.
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                return text.Contains("\"idempotency_key_in_flight\"", StringComparison.Ordinal);
            default:
                return false;
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - Options.TimeProvider.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };
}
