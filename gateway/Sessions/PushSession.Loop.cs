using Gateway.Routing;

namespace Gateway.Sessions;

/// <summary>The delivery loop: read from the topic by cursor, write batches, heartbeats, history, resets and closes.</summary>
internal sealed partial class PushSession
{
    /// <summary>Runs the session until it ends and returns why.</summary>
    public async Task<CloseReason> RunAsync()
    {
        var ct = _ended;

        // The wire's end wakes a waiting session at once (an idle session's end is noticed now, not at the next heartbeat).
        using var ended = ct.UnsafeRegister(static s => ((PushSession)s!).Wake(inline: false), this);
        if (_mode == SessionMode.LongPoll)
        {
            Services.Wheel.Schedule(this, Wait, DeadlineTimer);
        }
        else if (_mode == SessionMode.Stream)
        {
            Services.Wheel.Schedule(this, Route.Heartbeat, HeartbeatTimer);
        }

        // The loop is inline here, not a method of its own: a held session keeps one state machine for its whole life.
        try
        {
            var batch = new List<EventEntry>(4);
            var maxBatch = Services.Push.CurrentValue.MaxBatch;
            var waiter = _mode == SessionMode.Poll ? null : this;
            while (true)
            {
                // Everything below re-reads the state, so a signal that arrives from here on is either seen or wakes the wait.
                Interlocked.Exchange(ref _pending, 0);
                ct.ThrowIfCancellationRequested();
                if (Volatile.Read(ref _closeRequested) == 2)
                {
                    await _writer.CloseAsync(_closeReason, _closeRetry, Cursor, ct);
                    return _closeReason;
                }

                batch.Clear();
                var read = _topic.Read(Cursor, maxBatch, batch, waiter);
                switch (read)
                {
                    case TopicRead.Faulted:
                        await _writer.CloseAsync(CloseReason.BrokerUnavailable, Services.RetryAdvice(), Cursor, ct);
                        return CloseReason.BrokerUnavailable;

                    case TopicRead.Reset:
                        await ResetAsync(ct);
                        if (_mode != SessionMode.Stream)
                        {
                            return CloseReason.Completed;
                        }

                        continue;

                    case TopicRead.NeedsHistory:
                        var history = await ReadHistoryAsync(maxBatch, ct);
                        if (history == HistoryRead.Reset)
                        {
                            await ResetAsync(ct);
                        }

                        if (_mode != SessionMode.Stream && history != HistoryRead.Advanced)
                        {
                            return CloseReason.Completed;
                        }

                        continue;

                    case TopicRead.Events:
                        // Drop-oldest: a session more than its queue behind skips ahead and is told of the gap. (Disconnect is
                        // judged by the sweep, from a write that stays blocked: a client catching up from its cursor is not slow.)
                        if (_mode == SessionMode.Stream && Route.SlowConsumer == SlowConsumerPolicy.DropOldest &&
                            _topic.Appended - batch[0].Index > Route.QueueCapacity && _topic.CursorBeforeNewest(Route.QueueCapacity) is { } skipTo)
                        {
                            var skipped = _topic.Appended - Route.QueueCapacity - batch[0].Index;
                            Services.Metrics.EventsDropped.WithLabels(Route.RouteId, Transport.Name(), "drop_oldest").Inc(Math.Max(0, skipped));
                            Cursor = skipTo;
                            await Timed(_writer.WriteGapAsync(skipTo, skipped, ct));
                            continue;
                        }

                        await WriteAsync(batch, ct);
                        if (_mode != SessionMode.Stream)
                        {
                            return CloseReason.Completed;
                        }

                        continue;

                    case TopicRead.Empty:
                        if (_mode == SessionMode.Poll || Volatile.Read(ref _deadlinePassed) == 1)
                        {
                            await _writer.WriteEventsAsync(batch, Cursor, ct);
                            return CloseReason.Completed;
                        }

                        if (Interlocked.Exchange(ref _heartbeatDue, 0) == 1)
                        {
                            await Timed(_writer.WriteHeartbeatAsync(ct));
                            continue;
                        }

                        // Parked on the topic by the read above: the next append, or any other signal, wakes this wait.
                        batch.Capacity = Math.Min(batch.Capacity, 16);
                        await WaitAsync();
                        continue;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return RequestedClose ?? CloseReason.ClientClosed;
        }
        catch (Broker.BrokerUnavailableException)
        {
            // History could not be read: tell the client to come back (it resumes from the same cursor), never just drop.
            await _writer.CloseAsync(CloseReason.BrokerUnavailable, Services.RetryAdvice(), Cursor, ct);
            return CloseReason.BrokerUnavailable;
        }
        finally
        {
            Volatile.Write(ref _finished, 1);
            _topic.Unpark(this);
        }
    }

    private async Task ResetAsync(CancellationToken ct)
    {
        var head = _topic.Head;
        Services.Metrics.EventsDropped.WithLabels(Route.RouteId, Transport.Name(), "reset").Inc();
        Cursor = head;
        DeliveredIndex = _topic.Appended;
        await Timed(_writer.WriteResetAsync(head, ct));
    }

    /// <summary>Serves a cursor older than the replay ring from the broker's history.</summary>
    private async Task<HistoryRead> ReadHistoryAsync(int max, CancellationToken ct)
    {
        var through = _topic.EvictedThrough;
        List<EventEntry>? events;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            timeout.CancelAfter(Services.Push.CurrentValue.HistoryTimeout);
            try
            {
                events = await _topic.ReadHistoryAsync(Cursor.Sequence, through, max, timeout.Token);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                Services.Metrics.HistoryReads.WithLabels("error").Inc();
                throw new Broker.BrokerUnavailableException("History unavailable: " + ex.Message, ex);
            }
        }

        if (events is null)
        {
            Services.Metrics.HistoryReads.WithLabels("reset").Inc();
            return HistoryRead.Reset;
        }

        Services.Metrics.HistoryReads.WithLabels("served").Inc();
        if (events.Count == 0)
        {
            // Nothing of this subject between the cursor and the ring: move the cursor up to where the ring starts.
            Cursor = new Cursor(Cursor.Epoch, through);
            return HistoryRead.Advanced;
        }

        await WriteAsync(events, ct, fromHistory: true);
        return HistoryRead.Written;
    }

    private async Task WriteAsync(List<EventEntry> batch, CancellationToken ct, bool fromHistory = false)
    {
        var last = batch[^1];
        var cursor = new Cursor(Cursor.Epoch, last.Sequence);
        await Timed(_writer.WriteEventsAsync(batch, cursor, ct));
        Cursor = cursor;
        if (!fromHistory)
        {
            DeliveredIndex = last.Index + 1;
        }

        _delivered.Inc(batch.Count);

        // Lag once per batch, of its oldest event (the batch's worst): per event it cost more than the write itself.
        _lag.Observe(Math.Max(0, (_time.GetUtcNow() - batch[0].Source.PublishedAt).TotalSeconds));
    }

    private enum HistoryRead
    {
        Written,
        Advanced,
        Reset,
    }

    private async ValueTask Timed(ValueTask write)
    {
        Volatile.Write(ref _writeStarted, Math.Max(1, _time.GetTimestamp()));
        try
        {
            await write;
        }
        finally
        {
            Volatile.Write(ref _writeStarted, 0);
            Volatile.Write(ref _lastWrite, _time.GetTimestamp());
        }
    }
}
