using System.Collections.Concurrent;
using System.Text.Json;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace Gateway.Watch;

/// <summary>
/// Leases in a NATS KV bucket whose entries expire after the lease time: the holder rewrites its entry each interval
/// (compare-and-set on the revision), and when it dies the entry ages out and another instance creates it.
/// </summary>
internal sealed partial class KvWatchLease(Broker.Nats.NatsConnectionProvider provider, ILogger<KvWatchLease> logger) : IWatchLease
{
    public const string Bucket = "gateway_watch_leases";

    private readonly string _owner = Environment.MachineName + "-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..6];
    private readonly ConcurrentDictionary<string, ulong> _revisions = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _init = new(1, 1);
    private readonly ConcurrentDictionary<long, INatsKVStore> _stores = new();
    private readonly ConcurrentDictionary<string, INatsKVStore> _storeOfKey = new(StringComparer.Ordinal);

    public async ValueTask<LeaseState> TryHoldAsync(string key, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var store = await StoreAsync(ttl, cancellationToken);
        _storeOfKey[key] = store;
        try
        {
            var entry = await store.GetEntryAsync<byte[]>(key, cancellationToken: cancellationToken);
            var value = Read(entry.Value);
            if (value.Owner.Length == 0)
            {
                // Handed over by the previous holder: take it, with its ETag.
                _revisions[key] = await store.UpdateAsync(key, Write(value with { Owner = _owner }), entry.Revision, cancellationToken: cancellationToken);
                Log.LeaseTaken(logger, key);
                return new LeaseState(true, value.ETag);
            }

            if (value.Owner != _owner)
            {
                _revisions.TryRemove(key, out _);
                return new LeaseState(false, value.ETag);
            }

            // Ours: renew (the write restarts the entry's age).
            _revisions[key] = await store.UpdateAsync(key, Write(value), entry.Revision, cancellationToken: cancellationToken);
            return new LeaseState(true, value.ETag);
        }
        catch (Exception ex) when (ex is NatsKVKeyNotFoundException or NatsKVKeyDeletedException)
        {
            try
            {
                _revisions[key] = await store.CreateAsync(key, Write(new LeaseValue(_owner, null)), cancellationToken: cancellationToken);
                Log.LeaseTaken(logger, key);
                return new LeaseState(true, null);
            }
            catch (Exception race) when (race is NatsKVCreateException or NatsKVWrongLastRevisionException)
            {
                return new LeaseState(false, null);
            }
        }
        catch (NatsKVWrongLastRevisionException)
        {
            return new LeaseState(false, null);
        }
    }

    public async ValueTask RecordAsync(string key, string etag, CancellationToken cancellationToken)
    {
        if (!_storeOfKey.TryGetValue(key, out var store) || !_revisions.TryGetValue(key, out var revision))
        {
            return;
        }

        try
        {
            _revisions[key] = await store.UpdateAsync(key, Write(new LeaseValue(_owner, etag)), revision, cancellationToken: cancellationToken);
        }
        catch (NatsKVWrongLastRevisionException)
        {
            _revisions.TryRemove(key, out _);
        }
    }

    public async ValueTask ReleaseAsync(string key, CancellationToken cancellationToken)
    {
        if (!_storeOfKey.TryRemove(key, out var store) || !_revisions.TryRemove(key, out var revision))
        {
            return;
        }

        try
        {
            var entry = await store.GetEntryAsync<byte[]>(key, cancellationToken: cancellationToken);
            var current = Read(entry.Value);
            if (current.Owner == _owner)
            {
                var value = current;

                // Keep the ETag for the successor: hand over an ownerless entry instead of deleting it.
                await store.UpdateAsync(key, Write(value with { Owner = string.Empty }), entry.Revision, cancellationToken: cancellationToken);
            }
        }
        catch (Exception ex) when (ex is NatsKVException or NATS.Client.Core.NatsException)
        {
            _ = revision;
        }
    }

    /// <summary>
    /// One bucket per lease time: a KV bucket's age limit applies to all its keys, so routes with different watch
    /// intervals must not share one (a shorter limit would expire the longer routes' leases between renewals).
    /// </summary>
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
                store = await kv.CreateOrUpdateStoreAsync(
                    new NatsKVConfig($"{Bucket}_{ms.ToString(System.Globalization.CultureInfo.InvariantCulture)}") { MaxAge = TimeSpan.FromMilliseconds(ms), History = 1, Storage = NatsKVStorageType.Memory },
                    cancellationToken);
                _stores[ms] = store;
            }

            return store;
        }
        finally
        {
            _init.Release();
        }
    }

    private static LeaseValue Read(byte[]? bytes)
    {
        if (bytes is null || bytes.Length == 0)
        {
            return new LeaseValue(string.Empty, null);
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, WatchJsonContext.Default.LeaseValue) ?? new LeaseValue(string.Empty, null);
        }
        catch (JsonException)
        {
            return new LeaseValue(string.Empty, null);
        }
    }

    private static byte[] Write(LeaseValue value) => JsonSerializer.SerializeToUtf8Bytes(value, WatchJsonContext.Default.LeaseValue);

    private static partial class Log
    {
        [LoggerMessage(7100, LogLevel.Information, "Took the watch lease for {Key}")]
        public static partial void LeaseTaken(ILogger logger, string key);
    }
}
