using System.Collections.Concurrent;
using System.Text.Json;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace Gateway.Watch;

/// <summary>
/// Leases in a NATS KV bucket whose entries expire after the lease time: the holder rewrites its entry (compare-and-set
/// on the revision it read) at least three times per lease time, and when it dies the entry ages out and another
/// instance creates it. Every renewal is a fence: a holder whose entry was taken meanwhile fails the compare-and-set.
/// </summary>
internal sealed partial class KvWatchLease(Broker.Nats.NatsConnectionProvider provider, ILogger<KvWatchLease> logger) : IWatchLease
{
    public const string Bucket = "gateway_watch_leases";

    private readonly SemaphoreSlim _init = new(1, 1);
    private readonly ConcurrentDictionary<long, INatsKVStore> _stores = new();
    private readonly ConcurrentDictionary<string, INatsKVStore> _storeOfKey = new(StringComparer.Ordinal);

    /// <summary>Who holds a lease: host, process id and a random part (tests read the process id to find the holder).</summary>
    public string Owner { get; } = Environment.MachineName + "-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..6];

    public async ValueTask<bool> TryHoldAsync(string key, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var store = await StoreAsync(ttl, cancellationToken);
        _storeOfKey[key] = store;
        try
        {
            var entry = await store.GetEntryAsync<byte[]>(key, cancellationToken: cancellationToken);
            var owner = Read(entry.Value).Owner;
            if (owner.Length != 0 && owner != Owner)
            {
                return false;
            }

            // Ours (renew: the write restarts the entry's age) or released by its holder (take it).
            await store.UpdateAsync(key, Write(new LeaseValue(Owner)), entry.Revision, cancellationToken: cancellationToken);
            if (owner.Length == 0)
            {
                Log.LeaseTaken(logger, key);
            }

            return true;
        }
        catch (Exception ex) when (ex is NatsKVKeyNotFoundException or NatsKVKeyDeletedException)
        {
            try
            {
                await store.CreateAsync(key, Write(new LeaseValue(Owner)), cancellationToken: cancellationToken);
                Log.LeaseTaken(logger, key);
                return true;
            }
            catch (Exception race) when (race is NatsKVCreateException or NatsKVWrongLastRevisionException)
            {
                return false;
            }
        }
        catch (NatsKVWrongLastRevisionException)
        {
            // Someone wrote the entry between our read and our write: they hold it now.
            return false;
        }
    }

    public async ValueTask ReleaseAsync(string key, CancellationToken cancellationToken)
    {
        if (!_storeOfKey.TryRemove(key, out var store))
        {
            return;
        }

        try
        {
            var entry = await store.GetEntryAsync<byte[]>(key, cancellationToken: cancellationToken);
            if (Read(entry.Value).Owner == Owner)
            {
                // An ownerless entry (rather than a delete) is taken at once by the next instance that checks.
                await store.UpdateAsync(key, Write(new LeaseValue(string.Empty)), entry.Revision, cancellationToken: cancellationToken);
            }
        }
        catch (Exception ex) when (ex is NatsKVException or NATS.Client.Core.NatsException)
        {
            // Not ours any more, or the broker is away: the entry ages out by itself.
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
            return new LeaseValue(string.Empty);
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, WatchJsonContext.Default.LeaseValue) ?? new LeaseValue(string.Empty);
        }
        catch (JsonException)
        {
            return new LeaseValue(string.Empty);
        }
    }

    private static byte[] Write(LeaseValue value) => JsonSerializer.SerializeToUtf8Bytes(value, WatchJsonContext.Default.LeaseValue);

    private static partial class Log
    {
        [LoggerMessage(7100, LogLevel.Information, "Took the watch lease for {Key}")]
        public static partial void LeaseTaken(ILogger logger, string key);
    }
}
