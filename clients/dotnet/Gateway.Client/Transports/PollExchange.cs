using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeGateway.Client.Wire;

namespace EdgeGateway.Client.Transports;

/// <summary>One long or short poll request and the reading of its answer; the two polling transports differ only around it.</summary>
internal static class PollExchange
{
    public static async Task<PollResult> SendAsync(
        ConnectionContext context, Uri uri, string? ifNoneMatch, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var request = await context.RequestAsync(HttpMethod.Get, uri, cancellationToken);
        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", $"\"{ifNoneMatch}\"");
        }

        using var scope = new TimeoutScope(context.Time, timeout, cancellationToken);
        try
        {
            using var response = await context.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, scope.Token);
            var interval = Interval(response);
            if (response.StatusCode == HttpStatusCode.NotModified)
            {
                return new PollResult(null, null) { NotModified = true, Interval = interval };
            }

            if (!response.IsSuccessStatusCode)
            {
                return new PollResult(null, await HttpAnswers.RefusalAsync(response, scope.Token));
            }

            if (response.Content.Headers.ContentType?.MediaType != "application/json")
            {
                return new PollResult(null, ConnectionOutcome.FallBack(GatewayFallbackReason.Unsupported));
            }

            var answer = await response.Content.ReadFromJsonAsync(ClientJsonContext.Default.PollResponse, scope.Token);
            if (answer is null)
            {
                return new PollResult(null, ConnectionOutcome.FallBack(GatewayFallbackReason.Unsupported));
            }

            var newest = response.Headers.ETag?.Tag;
            return new PollResult(answer, null)
            {
                Interval = interval,
                MoreAvailable = newest is not null && answer.Cursor is not null && answer.Events is { Count: > 0 } && newest != $"\"{answer.Cursor}\"",
            };
        }
        catch (OperationCanceledException ex) when (scope.TimedOut)
        {
            return new PollResult(null, ConnectionOutcome.FallBack(GatewayFallbackReason.Timeout, ex));
        }
        catch (JsonException ex)
        {
            return new PollResult(null, ConnectionOutcome.FallBack(GatewayFallbackReason.Unsupported, ex));
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return new PollResult(null, HttpAnswers.IsUnreachable(ex)
                ? ConnectionOutcome.Reconnect("unreachable", delivered: false, error: ex)
                : ConnectionOutcome.FallBack(GatewayFallbackReason.Error, ex));
        }
    }

    private static TimeSpan? Interval(HttpResponseMessage response) =>
        response.Headers.TryGetValues("X-Poll-Interval", out var values)
        && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
        && seconds > 0 && double.IsFinite(seconds)
            ? TimeSpan.FromSeconds(Math.Min(seconds, 3600))
            : null;
}
