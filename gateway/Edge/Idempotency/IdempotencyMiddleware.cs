using Gateway.Routing;
using Gateway.Transports;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace Gateway.Edge.Idempotency;

/// <summary>
/// Idempotent writes at the edge (docs/idempotency.md): on a route with <c>Edge.Idempotency</c>, a POST or PATCH with an
/// <c>Idempotency-Key</c> is proxied once per key, client and route; its answer is stored and replayed to repeats on
/// any instance, marked <c>Idempotent-Replayed: true</c>. Runs before notify-on-write, so a replay publishes nothing.
/// </summary>
internal sealed partial class IdempotencyMiddleware(
    EdgeSettingsTable routes,
    IdempotencyLedger ledger,
    IOptionsMonitor<IdempotencyOptions> options,
    IOptionsMonitor<LimitOptions> limits,
    Observability.GatewayMetrics metrics,
    TimeProvider time,
    ILogger<IdempotencyMiddleware> logger)
{
    /// <summary>True when a request on this route may carry an idempotency key: the step runs only then.</summary>
    public bool Applies(HttpContext context) =>
        (HttpMethods.IsPost(context.Request.Method) || HttpMethods.IsPatch(context.Request.Method)) &&
        routes.Get(context.GetReverseProxyFeature().Route.Config) is { Idempotency: true };

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var route = routes.Get(context.GetReverseProxyFeature().Route.Config);
        if (route is not { Idempotency: true } || !request.Headers.TryGetValue(IdempotencyKeys.Header, out var header))
        {
            await next(context);
            return;
        }

        if (header.Count != 1 || !IdempotencyKeys.IsValid(header[0]!))
        {
            Count(route, "invalid_key");
            await WireErrors.WriteAsync(context, StatusCodes.Status400BadRequest, "invalid_idempotency_key",
                $"{IdempotencyKeys.Header} must be one value of 1..{IdempotencyKeys.MaxLength} visible ASCII characters.");
            return;
        }

        var o = options.CurrentValue;
        var body = await RequestBody.ReadAsync(request, o.MaxRequestBytes, context.RequestAborted);
        if (body is null)
        {
            Count(route, "too_large");
            await WireErrors.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "request_too_large",
                $"A write with an {IdempotencyKeys.Header} may carry at most {o.MaxRequestBytes} bytes.");
            return;
        }

        var fingerprint = IdempotencyKeys.Fingerprint(request.Method, request.Path.Value + request.QueryString.Value, body);
        var key = IdempotencyKeys.Scope(route.RouteId, ClientKey.Of(context, limits.CurrentValue.TrustedProxies), header[0]!);
        IdempotencyClaim claim;
        try
        {
            claim = await ledger.ClaimAsync(key, fingerprint, route.IdempotencyTtl, context.RequestAborted);
        }
        catch (IdempotencyStoreException ex)
        {
            Count(route, "store_unavailable");
            Log.StoreUnavailable(logger, route.RouteId, ex.Message);
            await WireErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "idempotency_store_unavailable",
                "The write was not sent: its idempotency key cannot be recorded right now.", retryAfter: o.RetryAfter);
            return;
        }

        switch (claim.Outcome)
        {
            case IdempotencyClaimOutcome.Replay:
                Count(route, "replayed");
                await StoredAnswer.WriteAsync(context.Response, claim.Stored!, context.RequestAborted);
                return;
            case IdempotencyClaimOutcome.Mismatch:
                Count(route, "key_reused");
                await WireErrors.WriteAsync(context, StatusCodes.Status422UnprocessableEntity, "idempotency_key_reused",
                    $"This {IdempotencyKeys.Header} was used with another request; use a new key for a new request.");
                return;
            case IdempotencyClaimOutcome.InFlight:
                Count(route, "in_flight");
                await WireErrors.WriteAsync(context, StatusCodes.Status409Conflict, "idempotency_key_in_flight",
                    $"A request with this {IdempotencyKeys.Header} is still being processed; retry after the advised delay.", retryAfter: o.RetryAfter);
                return;
        }

        request.Body = new MemoryStream(body, writable: false);
        await ProxyOnceAsync(context, next, route, claim, fingerprint, o.MaxResponseBytes);
    }

    private async Task ProxyOnceAsync(HttpContext context, RequestDelegate next, EdgeSettings route, IdempotencyClaim claim, string fingerprint, int maxResponseBytes)
    {
        var response = context.Response;
        var started = time.GetUtcNow();
        var originalFeature = context.Features.Get<IHttpResponseBodyFeature>()!;

        // The answer is held until it is stored: a client that has it and retries at once finds it replayable.
        using var held = new BufferingBody(originalFeature, response, maxResponseBytes);
        context.Features.Set<IHttpResponseBodyFeature>(held);
        try
        {
            await next(context);
        }
        catch
        {
            await ReleaseAsync(route, claim);
            throw;
        }
        finally
        {
            context.Features.Set(originalFeature);
        }

        // A 5xx may not have changed anything, and a retry may succeed: the key is given back. So is a request whose
        // client left, because YARP then cancels the backend call and the outcome is unknown.
        if (response.StatusCode >= 500 || context.RequestAborted.IsCancellationRequested)
        {
            Count(route, "not_stored");
            await ReleaseAsync(route, claim);
        }
        else
        {
            var answer = new IdempotencyRecord
            {
                Fingerprint = fingerprint,
                StartedMs = started.ToUnixTimeMilliseconds(),
                Status = response.StatusCode,
                Headers = StoredAnswer.Capture(response.Headers),
                Body = held.Overflowed ? null : held.Buffered.ToArray(),
                BodyOmitted = held.Overflowed,
            };
            try
            {
                var stored = await ledger.CompleteAsync(claim, answer, CancellationToken.None);
                Count(route, stored ? "proxied" : "taken_over");
            }
            catch (IdempotencyStoreException ex)
            {
                // The client still gets its answer; a repeat sees the key in flight until the in-flight timeout.
                Count(route, "store_unavailable");
                Log.StoreUnavailable(logger, route.RouteId, ex.Message);
            }
        }

        if (!held.Overflowed && held.Buffered.Length > 0)
        {
            await originalFeature.Stream.WriteAsync(held.Buffered, context.RequestAborted);
        }
    }

    private async Task ReleaseAsync(EdgeSettings route, IdempotencyClaim claim)
    {
        try
        {
            await ledger.ReleaseAsync(claim, CancellationToken.None);
        }
        catch (IdempotencyStoreException ex)
        {
            Log.StoreUnavailable(logger, route.RouteId, ex.Message);
        }
    }

    private void Count(EdgeSettings route, string result) => metrics.IdempotentWrites.WithLabels(route.RouteId, result).Inc();

    private static partial class Log
    {
        [LoggerMessage(5100, LogLevel.Warning, "Idempotency store unavailable on route {RouteId}: {Reason}")]
        public static partial void StoreUnavailable(ILogger logger, string routeId, string reason);
    }
}
