namespace Gateway.Watch;

/// <summary>Why a watcher stopped: its subscribers left (or shutdown), or the backend said the resource is gone.</summary>
internal enum WatchEnd
{
    Stopped,
    Gone,
}
