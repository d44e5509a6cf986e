using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace Gateway.Edge.Idempotency;

/// <summary>
/// Idempotency records in NATS KV, so every instance sees every key. A KV bucket's age limit applies to all its keys, so
/// there is one bucket per TTL in use (<c>gateway_idempotency_{seconds}</c>); the routes' configuration bounds how many.
/// </summary>
internal sealed class KvIdempotencyStore(Broker.Nats.NatsConnectionProvider provider, IOptions<IdempotencyOptions> options) : IIdempotencyStore
{
    public const string BucketPrefix = "gateway_idempotency_";

    private readonly ConcurrentDictionary<long, INatsKVStore> _stores = new();
    private readonly SemaphoreSlim _init = new(1, 1);

    public async ValueTask<ulong?> TryCreateAsync(string key, byte[] value, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var store = await StoreAsync(ttl, cancellationToken);
        try
        {
            return await store.CreateAsync(key, value, cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (ex is NatsKVCreateException or NatsKVWrongLastRevisionException)
        {
            return null;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw new IdempotencyStoreException("the idempotency store did not take the key", ex);
        }
    }

    public async ValueTask<(byte[] Value, ulong Revision)?> GetAsync(string key, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var store = await StoreAsync(ttl, cancellationToken);
        try
        {
            var entry = await store.GetEntryAsync<byte[]>(key, cancellationToken: cancellationToken);
            return entry.Value is { Length: > 0 } bytes ? (bytes, entry.Revision) : null;
        }
        catch (Exception ex) when (ex is NatsKVKeyNotFoundException or NatsKVKeyDeletedException)
        {
            return null;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw new IdempotencyStoreException("the idempotency store did not answer", ex);
        }
    }

    public async ValueTask<ulong?> TryUpdateAsync(string key, byte[] value, ulong revision, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var store = await StoreAsync(ttl, cancellationToken);
        try
        {
            return await store.UpdateAsync(key, value, revision, cancellationToken: cancellationToken);
        }
        catch (NatsKVWrongLastRevisionException)
        {
            return null;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw new IdempotencyStoreException("the idempotency store did not take the answer", ex);
        }
    }

    public async ValueTask DeleteAsync(string key, ulong revision, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var store = await StoreAsync(ttl, cancellationToken);
        try
        {
            await store.DeleteAsync(key, new NatsKVDeleteOpts { Revision = revision }, cancellationToken);
        }
        catch (NatsKVWrongLastRevisionException)
        {
            // Taken over meanwhile (the in-flight timeout passed): the entry is someone else's now.
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw new IdempotencyStoreException("the idempotency store did not release the key", ex);
        }
    }

    private static bool IsUnavailable(Exception ex) => ex is NatsException or NatsKVException or TimeoutException;

    private async ValueTask<INatsKVStore> StoreAsync(TimeSpan ttl, CancellationToken cancellationToken)
    {
        var seconds = (long)Math.Ceiling(ttl.TotalSeconds);
        if (_stores.TryGetValue(seconds, out var store))
        {
            return store;
        }

        await _init.WaitAsync(cancellationToken);
        try
        {
            if (!_stores.TryGetValue(seconds, out store))
            {
                var kv = new NatsKVContext(new NatsJSContext(provider.Connection));
                var config = new NatsKVConfig(BucketPrefix + seconds.ToString(CultureInfo.InvariantCulture))
                {
                    MaxAge = TimeSpan.FromSeconds(seconds),
                    History = 1,
                    Storage = NatsKVStorageType.File,
                    MaxBytes = options.Value.MaxStoreBytes,
                };
                store = await kv.CreateOrUpdateStoreAsync(config, cancellationToken);
                _stores[seconds] = store;
            }

            return store;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw new IdempotencyStoreException("the idempotency bucket could not be opened", ex);
        }
        finally
        {
            _init.Release();
        }
    }
}
