using System.Text.Json;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace Gateway.Watch;

/// <summary>
/// Baselines in the NATS KV bucket <c>gateway_watch_baselines</c>, shared by every instance and kept on disk: a new
/// holder, a watch that comes back after its last subscriber left, or a gateway restarted compares against what was
/// last announced instead of announcing the current representation again (docs/scale-out.md).
/// </summary>
internal sealed class KvWatchBaselines(Broker.Nats.NatsConnectionProvider provider) : IWatchBaselines
{
    public const string Bucket = "gateway_watch_baselines";

    /// <summary>How long a baseline outlives its last write: a resource unwatched for longer starts afresh.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    private readonly SemaphoreSlim _init = new(1, 1);
    private INatsKVStore? _store;

    public async ValueTask<StoredBaseline> GetAsync(string subject, CancellationToken cancellationToken)
    {
        var store = await StoreAsync(cancellationToken);
        try
        {
            var entry = await store.GetEntryAsync<byte[]>(subject, cancellationToken: cancellationToken);
            return new StoredBaseline(Read(entry.Value), entry.Revision);
        }
        catch (Exception ex) when (ex is NatsKVKeyNotFoundException or NatsKVKeyDeletedException)
        {
            // CreateAsync takes a deleted key as well.
            return default;
        }
    }

    public async ValueTask<bool> TryPutAsync(string subject, WatchBaseline baseline, ulong revision, CancellationToken cancellationToken)
    {
        var store = await StoreAsync(cancellationToken);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(baseline, WatchJsonContext.Default.WatchBaseline);
        try
        {
            if (revision == 0)
            {
                await store.CreateAsync(subject, bytes, cancellationToken: cancellationToken);
            }
            else
            {
                await store.UpdateAsync(subject, bytes, revision, cancellationToken: cancellationToken);
            }

            return true;
        }
        catch (Exception ex) when (ex is NatsKVCreateException or NatsKVWrongLastRevisionException)
        {
            return false;
        }
    }

    private static WatchBaseline? Read(byte[]? bytes)
    {
        if (bytes is null || bytes.Length == 0)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, WatchJsonContext.Default.WatchBaseline);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async ValueTask<INatsKVStore> StoreAsync(CancellationToken cancellationToken)
    {
        if (_store is { } store)
        {
            return store;
        }

        await _init.WaitAsync(cancellationToken);
        try
        {
            return _store ??= await new NatsKVContext(new NatsJSContext(provider.Connection)).CreateOrUpdateStoreAsync(
                new NatsKVConfig(Bucket) { MaxAge = Retention, History = 1, Storage = NatsKVStorageType.File },
                cancellationToken);
        }
        finally
        {
            _init.Release();
        }
    }
}
