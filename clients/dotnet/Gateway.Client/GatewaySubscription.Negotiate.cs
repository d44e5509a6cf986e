using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeGateway.Client.Transports;
using EdgeGateway.Client.Wire;

namespace EdgeGateway.Client;

/// <summary><c>POST {path}/negotiate</c>: which transports, from which cursor, with which timings.</summary>
public sealed partial class GatewaySubscription
{
    /// <summary>The gateway's offer, or how the negotiation failed (never both).</summary>
    private async Task<(NegotiateResponse? Response, ConnectionOutcome? Failure)> NegotiateAsync(CancellationToken cancellationToken)
    {
        var fallback = pendingFallback;
        KeyValuePair<string, string?>[] query = fallback is null
            ? []
            : [new("fallbackFrom", fallback.From.Name()), new("fallbackTo", fallback.To.Name()), new("fallbackReason", fallback.Reason.Name())];
        using var request = new HttpRequestMessage(HttpMethod.Post, client.Resolve(Path + "/negotiate", query));
        if (await TokenAsync(cancellationToken) is { Length: > 0 } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var scope = new TimeoutScope(client.Options.TimeProvider, options.ConnectTimeout, cancellationToken);
        try
        {
            using var response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, scope.Token);
            if (!response.IsSuccessStatusCode)
            {
                return (null, await RefusedAsync(response, scope.Token));
            }

            var negotiated = await response.Content.ReadFromJsonAsync(ClientJsonContext.Default.NegotiateResponse, scope.Token);
            if (negotiated is null)
            {
                return (null, ConnectionOutcome.Reconnect("invalid_negotiate", delivered: false));
            }

            if (fallback is not null)
            {
                pendingFallback = null;
            }

            // No cursor with an error: the gateway cannot reach its broker, and every transport would be refused.
            return negotiated.Cursor is null && negotiated.Error is not null
                ? (null, ConnectionOutcome.Reconnect("broker_unavailable", delivered: false, error: new GatewayException(negotiated.Error) { Error = "broker_unavailable" }))
                : (negotiated, null);
        }
        catch (OperationCanceledException ex) when (scope.TimedOut)
        {
            return (null, ConnectionOutcome.Reconnect("timeout", delivered: false, error: ex));
        }
        catch (JsonException ex)
        {
            return (null, ConnectionOutcome.Reconnect("invalid_negotiate", delivered: false, error: ex));
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return (null, ConnectionOutcome.Reconnect(HttpAnswers.IsUnreachable(ex) ? "unreachable" : "error", delivered: false, error: ex));
        }
    }

    /// <summary>429/503 and 5xx are for now; other 4xx (no such push route, bad route value, unauthorised) are final.</summary>
    private static async Task<ConnectionOutcome> RefusedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var error = await HttpAnswers.ReadErrorAsync(response, cancellationToken);
        var status = (int)response.StatusCode;
        if (status is >= 400 and < 500 and not 408 and not 429)
        {
            return ConnectionOutcome.Fail(HttpAnswers.Exception(response, error));
        }

        return ConnectionOutcome.Reconnect(
            error?.Error ?? (status == 429 ? "rate_limited" : "negotiate_" + status), delivered: false, HttpAnswers.RetryAfter(response.Headers.RetryAfter, error));
    }
}
