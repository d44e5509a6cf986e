using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace Gateway.Presence;

/// <summary>
/// Presence records in NATS KV: key <c>{subject}.{instance}</c>, one bucket per TTL in use (<c>gateway_presence_{ms}</c>,
/// entries kept twice the TTL so an expired record can still be reaped by compare-and-set). A watch per subject
/// (<c>{subject}.*</c>) delivers every instance's writes in the stream's order.
/// </summary>
internal sealed partial class KvPresenceStore(Broker.Nats.NatsConnectionProvider provider, TimeProvider time, ILogger<KvPresenceStore> logger) : IPresenceStore
{
    public const string BucketPrefix = "gateway_presence_";

    /// <summary>How long a watch may take to deliver the current records before a read is answered 503.</summary>
    private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<long, INatsKVStore> _stores = new();
    private readonly SemaphoreSlim _init = new(1, 1);

    /// <summary>A fresh name per process: a restarted instance's old record expires like a crashed one's.</summary>
    public string Instance { get; } = "g" + Guid.NewGuid().ToString("N")[..12];

    public bool IsShared => true;

    public async ValueTask<IAsyncDisposable> WatchAsync(string subject, TimeSpan ttl, Action<PresenceUpdate> onUpdate, CancellationToken cancellationToken)
    {
        var store = await StoreAsync(ttl, cancellationToken);
        var prefix = KeyPrefix(subject);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stop = new CancellationTokenSource();
        var loop = Task.Run(() => FollowAsync(store, prefix, onUpdate, ready, stop.Token), CancellationToken.None);
        var watch = new Watch(stop, loop);
        try
        {
            await ready.Task.WaitAsync(OpenTimeout, time, cancellationToken);
            return watch;
        }
        catch (TimeoutException ex)
        {
            await watch.DisposeAsync();
            throw new PresenceUnavailableException("the presence watch did not deliver the current members in time", ex);
        }
        catch
        {
            await watch.DisposeAsync();
            throw;
        }
    }

    public async ValueTask WriteAsync(string subject, TimeSpan ttl, PresenceRecord record, CancellationToken cancellationToken)
    {
        var store = await StoreAsync(ttl, cancellationToken);
        try
        {
            await store.PutAsync(KeyPrefix(subject) + record.By, Serialize(record), cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            Forget(ttl);
            throw new PresenceUnavailableException("the presence store did not take the members", ex);
        }
    }

    public async ValueTask<bool> ReapAsync(string subject, string instance, ulong revision, TimeSpan ttl, PresenceRecord record, CancellationToken cancellationToken)
    {
        var store = await StoreAsync(ttl, cancellationToken);
        var key = KeyPrefix(subject) + instance;
        var bytes = Serialize(record);
        try
        {
            await store.UpdateAsync(key, bytes, revision, cancellationToken: cancellationToken);
            return true;
        }
        catch (NatsKVWrongLastRevisionException)
        {
            // Refreshed by its owner, reaped by another instance, or aged out of the bucket: only the last takes a create.
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw new PresenceUnavailableException("the presence store did not take the reap", ex);
        }

        try
        {
            await store.CreateAsync(key, bytes, cancellationToken: cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is NatsKVCreateException or NatsKVWrongLastRevisionException)
        {
            return false;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw new PresenceUnavailableException("the presence store did not take the reap", ex);
        }
    }

    /// <summary>
    /// The subject's key prefix. Route values are KV-safe; a literal part of a subject template that is not (a KV key is
    /// <c>[-/_=.A-Za-z0-9]</c>) makes the subject a hash.
    /// </summary>
    internal static string KeyPrefix(string subject)
    {
        foreach (var c in subject)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '/' or '_' or '=' or '.'))
            {
                return "h." + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(subject)))[..32] + ".";
            }
        }

        return subject + ".";
    }

    private async Task FollowAsync(INatsKVStore store, string prefix, Action<PresenceUpdate> onUpdate, TaskCompletionSource ready, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var options = new NatsKVWatchOpts
                {
                    OnNoData = _ =>
                    {
                        ready.TrySetResult();
                        return ValueTask.FromResult(false);
                    },
                };
                await foreach (var entry in store.WatchAsync<byte[]>(prefix + "*", opts: options, cancellationToken: cancellationToken))
                {
                    var initial = !ready.Task.IsCompleted;
                    var record = entry.Operation == NatsKVOperation.Put ? Deserialize(entry.Value) : null;
                    var age = initial ? time.GetUtcNow() - entry.Created : TimeSpan.Zero;
                    onUpdate(new PresenceUpdate(entry.Key[prefix.Length..], record, entry.Revision, age < TimeSpan.Zero ? TimeSpan.Zero : age));
                    if (entry.Delta == 0)
                    {
                        ready.TrySetResult();
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (IsUnavailable(ex) || ex is NatsJSException)
            {
                Log.WatchFailed(logger, prefix, ex.Message);
            }

            try
            {
                // Start over: the current records again (applying one twice changes nothing), then what follows.
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async ValueTask<INatsKVStore> StoreAsync(TimeSpan ttl, CancellationToken cancellationToken)
    {
        var ms = (long)Math.Ceiling(ttl.TotalMilliseconds);
        if (_stores.TryGetValue(ms, out var store))
        {
            return store;
        }

        await _init.WaitAsync(cancellationToken);
        try
        {
            if (!_stores.TryGetValue(ms, out store))
            {
                var kv = new NatsKVContext(new NatsJSContext(provider.Connection));
                var config = new NatsKVConfig(BucketPrefix + ms.ToString(CultureInfo.InvariantCulture))
                {
                    MaxAge = TimeSpan.FromMilliseconds(ms * 2),
                    History = 1,
                    Storage = NatsKVStorageType.File,
                };
                store = await kv.CreateOrUpdateStoreAsync(config, cancellationToken);
                _stores[ms] = store;
            }

            return store;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw new PresenceUnavailableException("the presence bucket could not be opened", ex);
        }
        finally
        {
            _init.Release();
        }
    }

    /// <summary>After a failure the bucket is looked up (and created) again: a restarted server may have lost it.</summary>
    private void Forget(TimeSpan ttl) => _stores.TryRemove((long)Math.Ceiling(ttl.TotalMilliseconds), out _);

    private static bool IsUnavailable(Exception ex) => ex is NatsException or NatsKVException or TimeoutException;

    private static byte[] Serialize(PresenceRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, PresenceJsonContext.Default.PresenceRecord);

    private static PresenceRecord? Deserialize(byte[]? bytes)
    {
        if (bytes is not { Length: > 0 })
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, PresenceJsonContext.Default.PresenceRecord) is { V: PresenceRecord.Version } record ? record : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed class Watch(CancellationTokenSource stop, Task loop) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await loop;
            stop.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(8010, LogLevel.Warning, "Presence watch on {Prefix}* failed, starting over: {Reason}")]
        public static partial void WatchFailed(ILogger logger, string prefix, string reason);
    }
}
