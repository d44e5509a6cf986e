using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Gateway.Broker.JetStream;

/// <summary>
/// JetStream: the gateway creates or adopts one stream covering the push subjects; sessions resume from any instance
/// because ids are stream sequences, and the epoch (the stream's creation time) detects a recreated stream.
/// </summary>
internal sealed partial class JetStreamBroker(
    Nats.NatsConnectionProvider provider,
    IOptions<BrokerOptions> options,
    JetStreamSubjects subjects,
    Observability.GatewayMetrics metrics,
    TimeProvider time,
    ILogger<JetStreamBroker> logger) : IEventBroker
{
    private readonly NatsJSContext _js = new(provider.Connection);
    private volatile StreamInfo? _stream;
    private int _watchingReconnects;
    private int _recreating;
    private CancellationToken _stopping;

    public BrokerKind Kind => BrokerKind.JetStream;

    public bool IsConnected => provider.IsConnected && _stream is not null;

    internal NatsJSContext Context => _js;

    internal string StreamName => options.Value.StreamName;

    /// <summary>Creates the stream, or adopts an existing one and widens its subjects; retried until it works. Done again
    /// after every reconnect, since a broker restarted with an empty store no longer has it.</summary>
    public async Task EnsureStreamAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _watchingReconnects, 1) == 0)
        {
            _stopping = cancellationToken;
            provider.Reconnected += () => _ = EnsureStreamAsync(cancellationToken);
        }

        var o = options.Value;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var wanted = subjects.Resolve();
                StreamInfo info;
                try
                {
                    var existing = await _js.GetStreamAsync(o.StreamName, cancellationToken: cancellationToken);
                    info = await ApplySettingsAsync(existing, wanted, cancellationToken);
                    Log.StreamAdopted(logger, o.StreamName, string.Join(",", wanted));
                }
                catch (NatsJSApiException ex) when (ex.Error.Code == 404)
                {
                    var created = await _js.CreateStreamAsync(
                        new StreamConfig(o.StreamName, [.. wanted])
                        {
                            MaxAge = o.MaxAge,
                            MaxMsgs = o.MaxMessages,
                            MaxBytes = o.MaxBytes,
                            MaxMsgsPerSubject = o.MaxMessagesPerSubject,
                            Storage = string.Equals(o.Storage, "Memory", StringComparison.OrdinalIgnoreCase) ? StreamConfigStorage.Memory : StreamConfigStorage.File,
                            Discard = StreamConfigDiscard.Old,
                            AllowDirect = true,
                            NumReplicas = o.Replicas,
                            Placement = o.Placement.IsSet ? new Placement { Cluster = o.Placement.Cluster ?? string.Empty, Tags = o.Placement.Tags.Count > 0 ? [.. o.Placement.Tags] : null } : null,
                        },
                        cancellationToken);
                    info = created.Info;
                    Log.StreamCreated(logger, o.StreamName, string.Join(",", wanted));
                }

                _stream = info;
                return;
            }
            catch (Exception ex) when (ex is NatsException or TimeoutException or NatsJSApiException)
            {
                Log.StreamNotReady(logger, o.StreamName, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
            }
        }
    }

    /// <summary>
    /// The stream is gone under the running gateway (deleted by an operator, or lost by a server): the gateway is unready
    /// and makes it again at once, with a new epoch, instead of refusing publishes until the next reconnect or restart
    /// (docs/scale-out.md "Stream settings and per-subject history"). Called by whatever meets the "stream not found".
    /// </summary>
    internal void StreamMissing()
    {
        if (Interlocked.Exchange(ref _recreating, 1) == 1)
        {
            return;
        }

        _stream = null;
        Log.StreamMissing(logger, options.Value.StreamName);
        _ = RecreateAsync();
    }

    private async Task RecreateAsync()
    {
        try
        {
            await EnsureStreamAsync(_stopping);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Volatile.Write(ref _recreating, 0);
        }
    }

    internal static bool IsStreamNotFound(NatsJSApiException ex) => ex.Error.Code == 404 && ex.Error.ErrCode == StreamNotFound;

    // JetStream's error code for "stream not found".
    private const int StreamNotFound = 10059;

    /// <summary>
    /// Brings an existing stream to the configured limits and subjects (docs/scale-out.md): each change is logged; a
    /// change the server refuses is logged and counted, and the stream is used as it is.
    /// </summary>
    private async Task<StreamInfo> ApplySettingsAsync(INatsJSStream existing, IReadOnlyCollection<string> wanted, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var current = existing.Info.Config;
        var subjectsNow = current.Subjects ?? [];
        var missing = wanted.Except(subjectsNow, StringComparer.Ordinal).ToList();
        var desired = current with
        {
            Subjects = [.. subjectsNow, .. missing],
            MaxAge = o.MaxAge,
            MaxMsgs = o.MaxMessages,
            MaxBytes = o.MaxBytes,
            MaxMsgsPerSubject = o.MaxMessagesPerSubject,
        };
        var changes = new List<string>();
        if (missing.Count > 0)
        {
            changes.Add("subjects +" + string.Join(",", missing));
        }

        void Compare<T>(string name, T now, T wantedValue)
        {
            if (!EqualityComparer<T>.Default.Equals(now, wantedValue))
            {
                changes.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{name} {now} -> {wantedValue}"));
            }
        }

        Compare("MaxAge", current.MaxAge, desired.MaxAge);
        Compare("MaxMsgs", current.MaxMsgs, desired.MaxMsgs);
        Compare("MaxBytes", current.MaxBytes, desired.MaxBytes);
        Compare("MaxMsgsPerSubject", current.MaxMsgsPerSubject, desired.MaxMsgsPerSubject);
        if (changes.Count == 0)
        {
            return existing.Info;
        }

        var description = string.Join("; ", changes);
        try
        {
            await existing.UpdateAsync(desired, cancellationToken);
            Log.StreamUpdated(logger, o.StreamName, description);
        }
        catch (NatsJSApiException ex)
        {
            metrics.StreamUpdatesRefused.Inc();
            Log.StreamUpdateRefused(logger, o.StreamName, description, ex.Error.Description ?? ex.Message);
        }

        return existing.Info;
    }

    public async ValueTask PublishAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        if (!provider.IsConnected)
        {
            throw new BrokerUnavailableException("NATS is not connected.");
        }

        using var span = Observability.Tracing.GatewayTracing.StartPublish(message.Subject);
        try
        {
            var headers = Nats.NatsHeadersReader.Create(message, time.GetUtcNow());
            if (message.MessageId is { } id)
            {
                headers["Nats-Msg-Id"] = id;
            }

            var ack = await _js.PublishAsync(message.Subject, message.Data, headers: headers, cancellationToken: cancellationToken);

            ack.EnsureSuccess();
        }
        catch (NatsJSPublishNoResponseException ex)
        {
            // No stream captures the subject: ours was deleted.
            Observability.Tracing.GatewayTracing.Failed(span, ex);
            StreamMissing();
            throw new BrokerUnavailableException("No JetStream stream took the publish; the gateway recreates its stream.", ex);
        }
        catch (NatsJSDuplicateMessageException)
        {
            // The same message id within the duplicate window: stored once, which is what the id is for.
        }
        catch (Exception ex) when (ex is NatsException or NatsJSException or TimeoutException)
        {
            Observability.Tracing.GatewayTracing.Failed(span, ex);
            throw new BrokerUnavailableException("JetStream did not acknowledge the publish: " + ex.Message, ex);
        }
    }

    public async ValueTask<ISubjectFeed> OpenFeedAsync(string subject, CancellationToken cancellationToken)
    {
        if (!IsConnected)
        {
            throw new BrokerUnavailableException("JetStream is not available.");
        }

        try
        {
            var stream = await _js.GetStreamAsync(options.Value.StreamName, cancellationToken: cancellationToken);
            var feed = new JetStreamSubjectFeed(_js, provider, stream.Info, subject, await LastOfSubjectAsync(stream, subject, cancellationToken), PullBytes, StreamMissing, logger);
            feed.Start();
            return feed;
        }
        catch (NatsJSApiException ex) when (IsStreamNotFound(ex))
        {
            StreamMissing();
            throw new BrokerUnavailableException("The JetStream stream is missing; the gateway recreates it.", ex);
        }
        catch (Exception ex) when (ex is NatsException or NatsJSException or TimeoutException)
        {
            throw new BrokerUnavailableException("JetStream is not available: " + ex.Message, ex);
        }
    }

    /// <summary>
    /// Where a client without a cursor starts: the subject's newest event, so that its cursor names an event of its own
    /// subject and a later gap in that subject's history can be told exactly (docs/decisions.md "Cursors and epochs").
    /// A subject with nothing retained starts at the stream's head.
    /// </summary>
    private static async Task<ulong> LastOfSubjectAsync(INatsJSStream stream, string subject, CancellationToken cancellationToken)
    {
        try
        {
            var last = await stream.GetAsync(new StreamMsgGetRequest { LastBySubj = subject }, cancellationToken);
            return last.Message.Seq;
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
            return stream.Info.State.LastSeq;
        }
    }

    /// <summary>Bytes one pull asks for (docs/scale-out.md "Bursts"): the configured bound, raised so that the largest
    /// message the server accepts (plus its headers) always fits, or the server would answer the pull with a 409.</summary>
    internal int PullBytes => Math.Max(options.Value.PullBytes, (provider.Connection.ServerInfo?.MaxPayload ?? 0) + MessageOverhead);

    private const int MessageOverhead = 16 * 1024;

    public async ValueTask<bool> PingAsync(CancellationToken cancellationToken)
    {
        if (!provider.IsConnected)
        {
            return false;
        }

        try
        {
            await _js.GetStreamAsync(options.Value.StreamName, cancellationToken: cancellationToken);
            return true;
        }
        catch (NatsJSApiException ex) when (IsStreamNotFound(ex))
        {
            StreamMissing();
            return false;
        }
        catch (Exception ex) when (ex is NatsException or NatsJSException or TimeoutException or OperationCanceledException)
        {
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1100, LogLevel.Information, "Created JetStream stream {Stream} for {Subjects}")]
        public static partial void StreamCreated(ILogger logger, string stream, string subjects);

        [LoggerMessage(1101, LogLevel.Information, "Adopted JetStream stream {Stream} for {Subjects}")]
        public static partial void StreamAdopted(ILogger logger, string stream, string subjects);

        [LoggerMessage(1103, LogLevel.Information, "Updated JetStream stream {Stream} to the configuration: {Changes}")]
        public static partial void StreamUpdated(ILogger logger, string stream, string changes);

        [LoggerMessage(1104, LogLevel.Error, "JetStream refused to update stream {Stream} ({Changes}): {Reason}; the stream is used as it is")]
        public static partial void StreamUpdateRefused(ILogger logger, string stream, string changes, string reason);

        [LoggerMessage(1105, LogLevel.Error, "JetStream stream {Stream} is missing (deleted under the running gateway); recreating it, sessions are reset")]
        public static partial void StreamMissing(ILogger logger, string stream);

        [LoggerMessage(1102, LogLevel.Warning, "JetStream stream {Stream} not ready: {Reason}")]
        public static partial void StreamNotReady(ILogger logger, string stream, string reason);
    }
}
