namespace EdgeGateway.Client.Transports;

/// <summary>
/// Short polling, the last link of the chain: <c>GET {path}?transport=polling&amp;cursor=…</c> every poll interval with
/// <c>If-None-Match</c> set to the cursor, so an unchanged subject costs a <c>304</c>.
/// </summary>
internal sealed class PollingConnection : ITransportConnection
{
    public GatewayTransport Kind => GatewayTransport.Polling;

    public async Task<ConnectionOutcome> RunAsync(ConnectionContext context, CancellationToken cancellationToken)
    {
        var worked = false;
        var announced = false;
        try
        {
            while (true)
            {
                var cursor = context.Sink.Cursor;
                var uri = context.StreamUri([new("transport", "polling"), new("cursor", cursor)]);
                var result = await PollExchange.SendAsync(context, uri, cursor, context.Options.ConnectTimeout, cancellationToken);
                if (result.Failure is { } failure)
                {
                    if (worked && failure is { Throttled: true, RetryAfter: { } pause })
                    {
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
                    context.Sink.Opened(GatewayTransport.Polling, upstream: null);
                }

                if (result.Answer is not null && await PollAnswer.ApplyAsync(result.Answer, context.Sink, cancellationToken) is { } advice)
                {
                    return ConnectionOutcome.Reconnect(advice.Reason ?? "reconnect", delivered: true, TimeSpan.FromMilliseconds(advice.RetryMs));
                }

                if (!result.MoreAvailable)
                {
                    await Task.Delay(Interval(result.Interval, context.PollInterval), context.Time, cancellationToken);
                }
            }
        }
        finally
        {
            context.Sink.Closed();
        }
    }

    /// <summary>
    /// The gateway's latest <c>X-Poll-Interval</c> wins: it follows the subject's event rate and the instance's load and is
    /// jittered per answer (docs/polling.md in the gateway), so it may ask for less or more than negotiate's
    /// <c>pollIntervalMs</c>, which only covers answers without the header.
    /// </summary>
    internal static TimeSpan Interval(TimeSpan? hinted, TimeSpan negotiated) => hinted ?? negotiated;
}
