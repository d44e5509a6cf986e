using System.Globalization;

namespace EdgeGateway.Client.Transports;

/// <summary>
/// Long polling: <c>GET {path}?transport=longpolling&amp;cursor=…&amp;wait=…</c> in a loop; each answer's cursor is the next
/// request's, so nothing falls between two polls. The first poll of a connection waits only 1 s: it proves the transport
/// gets through end to end before the client settles on it.
/// </summary>
internal sealed class LongPollingConnection : ITransportConnection
{
    private static readonly TimeSpan ProbeWait = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(55);

    /// <summary>
    /// Polls start at most this often: on a busy subject every answer returns at once, and without spacing the client
    /// would spend the gateway's per-client poll budget (10/s by default) on tiny batches instead of fewer bigger ones.
    /// </summary>
    private static readonly TimeSpan MinSpacing = TimeSpan.FromMilliseconds(250);

    public GatewayTransport Kind => GatewayTransport.LongPolling;

    public async Task<ConnectionOutcome> RunAsync(ConnectionContext context, CancellationToken cancellationToken)
    {
        var worked = false;
        var announced = false;
        long? lastStart = null;
        try
        {
            while (true)
            {
                if (lastStart is { } started && context.Time.GetElapsedTime(started) is var elapsed && elapsed < MinSpacing)
                {
                    await Task.Delay(MinSpacing - elapsed, context.Time, cancellationToken);
                }

                lastStart = context.Time.GetTimestamp();
                var wait = worked ? TimeSpan.FromSeconds(Math.Clamp(context.Options.LongPollWait.TotalSeconds, 1, MaxWait.TotalSeconds)) : ProbeWait;
                var uri = context.StreamUri(
                [
                    new("transport", "longpolling"),
                    new("cursor", context.Sink.Cursor),
                    new("wait", ((int)wait.TotalSeconds).ToString(CultureInfo.InvariantCulture)),
                ]);
                var result = await PollExchange.SendAsync(context, uri, ifNoneMatch: null, wait + context.Options.ConnectTimeout, cancellationToken);
                if (result.Failure is { } failure)
                {
                    if (worked && failure is { Throttled: true, RetryAfter: { } pause })
                    {
                        // Refused for now after polls worked: wait as told and poll on, without renegotiating.
                        context.Sink.Throttled(failure.Reason, pause);
                        await Task.Delay(pause, context.Time, cancellationToken);
                        announced = false;
                        continue;
                    }

                    return PollAnswer.AfterWorking(failure, worked);
                }

                worked = true;
                if (!announced)
                {
                    announced = true;
                    context.Sink.Opened(GatewayTransport.LongPolling, upstream: null);
                }

                if (result.Answer is not null && await PollAnswer.ApplyAsync(result.Answer, context.Sink, cancellationToken) is { } advice)
                {
                    return ConnectionOutcome.Reconnect(advice.Reason ?? "reconnect", delivered: true, TimeSpan.FromMilliseconds(advice.RetryMs));
                }
            }
        }
        finally
        {
            context.Sink.Closed();
        }
    }
}
