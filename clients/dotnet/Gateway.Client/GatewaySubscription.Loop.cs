using EdgeGateway.Client.Transports;
using EdgeGateway.Client.Wire;

namespace EdgeGateway.Client;

/// <summary>The connect loop: negotiate, walk the transport chain, back off, repeat until disposed or refused for good.</summary>
public sealed partial class GatewaySubscription
{
    private static readonly TimeSpan DefaultBaseDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>Indexed by <see cref="GatewayTransport"/>.</summary>
    private static readonly ITransportConnection[] Connections =
        [new WebSocketConnection(), new SseConnection(), new LongPollingConnection(), new PollingConnection()];

    private PendingFallback? pendingFallback;
    private ReconnectAdvice? advice;

    /// <summary>The transport that opened and then failed without delivering last time; a second time in a row it is left.</summary>
    private GatewayTransport? struck;

    /// <summary>A 401/4401 was retried with a fresh token and no transport has opened since.</summary>
    private bool tokenRetried;

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Report(new GatewayStateChange(GatewayState.Connecting));
                var (negotiated, refused) = await NegotiateAsync(cancellationToken);
                ConnectionOutcome outcome;
                if (negotiated is not null)
                {
                    advice = negotiated.Reconnect ?? advice;

                    // Without a cursor of its own the subscription starts at negotiate's, not at whenever the transport opens,
                    // so events published while it probes transports are not lost.
                    Interlocked.CompareExchange(ref cursor, negotiated.Cursor, null);
                    outcome = await RunChainAsync(negotiated, cancellationToken);
                }
                else
                {
                    outcome = refused!;
                }

                if (outcome.Kind == OutcomeKind.Fail)
                {
                    // One more attempt with a fresh token, once until a transport opens again: a provider that mints a new
                    // token on every call must not turn a refusal into a retry loop.
                    if (tokenRetried || !await TokenRefreshedAsync(outcome.Error, cancellationToken))
                    {
                        throw outcome.Error ?? new GatewayException("The gateway refused the subscription.");
                    }

                    tokenRetried = true;
                    outcome = ConnectionOutcome.Reconnect("token_refreshed", delivered: false, error: outcome.Error);
                }

                failures = outcome.Delivered ? 0 : failures + 1;
                if (options.Backoff.MaxAttempts is { } max && failures >= max)
                {
                    throw new GatewayException($"Gave up after {failures} failed attempts in a row; the last: {outcome.Reason}.", outcome.Error ?? new TimeoutException(outcome.Reason));
                }

                var delay = outcome.RetryAfter ?? Backoff(failures);
                Report(new GatewayStateChange(GatewayState.BackingOff) { Delay = delay, Reason = outcome.Reason, Error = outcome.Error });
                await Task.Delay(delay, client.Options.TimeProvider, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            events.Writer.TryComplete();
            ReportFinal(new GatewayStateChange(GatewayState.Closed));
        }
        catch (Exception ex)
        {
            events.Writer.TryComplete(ex);
            ReportFinal(new GatewayStateChange(GatewayState.Failed) { Error = ex });
        }
    }

    /// <summary>Tries the transports in order; moves down the chain when one connects but does not deliver.</summary>
    private async Task<ConnectionOutcome> RunChainAsync(NegotiateResponse negotiated, CancellationToken cancellationToken)
    {
        var candidates = Candidates(negotiated);
        if (candidates.Count == 0)
        {
            return ConnectionOutcome.Fail(new GatewayException(
                $"No transport in common: the gateway offers [{string.Join(", ", negotiated.Transports ?? [])}], this subscription allows [{string.Join(", ", (options.Transports ?? []).Select(t => t.Name()))}]."));
        }

        for (var i = 0; ; i++)
        {
            var current = candidates[i];
            var outcome = await RunTransportAsync(current, negotiated, cancellationToken);
            if (outcome.Kind == OutcomeKind.FallBack && outcome.AfterOpen && struck != current)
            {
                struck = current;
                return ConnectionOutcome.Reconnect(outcome.Reason, delivered: false, error: outcome.Error);
            }

            if (outcome.Kind != OutcomeKind.FallBack)
            {
                if (outcome.Delivered)
                {
                    struck = null;
                }

                return outcome;
            }

            struck = null;
            if (outcome.AfterOpen)
            {
                // Opened and died without delivering, twice in a row: reported as the browser client reports it.
                outcome = ConnectionOutcome.FallBack(GatewayFallbackReason.NoDelivery, outcome.Error);
            }

            if (outcome.FallbackReason != GatewayFallbackReason.Forced)
            {
                client.Memory.Demote(current);
            }

            if (i + 1 == candidates.Count)
            {
                pendingFallback = null;
                return ConnectionOutcome.Reconnect("no_transport_delivered", delivered: false, error: outcome.Error);
            }

            var next = candidates[i + 1];
            pendingFallback = new PendingFallback(current, next, outcome.FallbackReason);
            Report(new GatewayStateChange(GatewayState.FellBack)
            {
                From = current,
                Transport = next,
                FallbackReason = outcome.FallbackReason,
                Error = outcome.Error,
            });
        }
    }

    private async Task<ConnectionOutcome> RunTransportAsync(GatewayTransport kind, NegotiateResponse negotiated, CancellationToken cancellationToken)
    {
        using var current = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        lock (gate)
        {
            connection = current;
            forced = false;
        }

        try
        {
            var context = new ConnectionContext(client, Path, options, negotiated, this, pendingFallback);
            return await Connections[(int)kind].RunAsync(context, current.Token);
        }
        catch (Exception) when (forced && current.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return ConnectionOutcome.FallBack(GatewayFallbackReason.Forced);
        }
        finally
        {
            lock (gate)
            {
                connection = null;
            }
        }
    }

    /// <summary>The gateway's offer in the subscription's order (or the gateway's), minus what this client learned does not work here.</summary>
    private List<GatewayTransport> Candidates(NegotiateResponse negotiated)
    {
        var offered = new List<GatewayTransport>();
        foreach (var name in negotiated.Transports ?? [])
        {
            if (TransportNames.TryParse(name, out var t) && !offered.Contains(t))
            {
                offered.Add(t);
            }
        }

        var ordered = options.Transports is { } wanted ? wanted.Distinct().Where(offered.Contains).ToList() : offered;
        return client.Memory.Filter(ordered);
    }

    private TimeSpan Backoff(int attempt)
    {
        var baseDelay = options.Backoff.BaseDelay ?? (advice is { BaseMs: > 0 } a ? TimeSpan.FromMilliseconds(a.BaseMs) : DefaultBaseDelay);
        var maxDelay = options.Backoff.MaxDelay ?? (advice is { MaxMs: > 0 } m ? TimeSpan.FromMilliseconds(m.MaxMs) : DefaultMaxDelay);
        return FullJitter.Delay(attempt, baseDelay, maxDelay, Random.Shared);
    }

    /// <summary>The last report must not throw past the loop: the subscription is over either way.</summary>
    private void ReportFinal(GatewayStateChange change)
    {
        lock (gate)
        {
            transport = null;
            upstream = null;
        }

        try
        {
            Report(change);
        }
        catch (Exception)
        {
            // The application's callback failed on the final state; nothing is left to end.
        }
    }
}
