using System.Net;
using System.Runtime.CompilerServices;
using System.Text;

namespace EdgeGateway.Client;

/// <summary>
/// A client for one gateway's push routes. It negotiates, tries the offered transports in order, falls back when one
/// connects but does not deliver, backs off with full jitter, honours <c>Retry-After</c> and reconnect advice, resumes
/// by cursor and drops duplicates (docs/protocol.md). Thread-safe; one instance per gateway is enough.
/// </summary>
/// <example>
/// <code>
/// using var client = new GatewayClient(new Uri("http://localhost:8080"));
/// await foreach (var e in client.SubscribeAsync("/orders/42/events", new SubscribeOptions(), cancellationToken))
/// {
///     Console.WriteLine($"{e.Id} {e.Event} {e.Data}");
/// }
/// </code>
/// </example>
public sealed partial class GatewayClient : IDisposable
{
    private readonly bool ownsHttp;
    private readonly string baseText;

    /// <summary>Creates a client for the gateway at <paramref name="baseAddress"/> (its public listener, e.g. <c>http://localhost:8080</c>).</summary>
    /// <param name="baseAddress">The gateway's public base address; a path prefix is kept.</param>
    /// <param name="httpClient">
    /// The client for negotiate, SSE, polls and HTTP upstream; its <see cref="HttpClient.Timeout"/> must exceed the long-poll
    /// wait. Default: one of its own with no overall timeout (every request here has its own).
    /// </param>
    /// <param name="options">Shared settings. Default: <see cref="GatewayClientOptions"/>'s defaults.</param>
    public GatewayClient(Uri baseAddress, HttpClient? httpClient = null, GatewayClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        if (!baseAddress.IsAbsoluteUri || (baseAddress.Scheme != Uri.UriSchemeHttp && baseAddress.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("The base address must be an absolute http or https URI.", nameof(baseAddress));
        }

        BaseAddress = baseAddress;
        baseText = baseAddress.GetLeftPart(UriPartial.Path).TrimEnd('/');
        Options = options ?? new GatewayClientOptions();
        ownsHttp = httpClient is null;
        Http = httpClient ?? new HttpClient(new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            UseCookies = false,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        Memory = new TransportMemory(Options.TimeProvider, Options.RememberFallbackFor);
    }

    /// <summary>The gateway's public base address.</summary>
    public Uri BaseAddress { get; }

    internal HttpClient Http { get; }

    internal GatewayClientOptions Options { get; }

    internal TransportMemory Memory { get; }

    /// <summary>
    /// Starts a subscription to the push route at <paramref name="path"/> (e.g. <c>/orders/42/events</c>) and returns it at
    /// once; it connects in the background. Read <see cref="GatewaySubscription.Events"/>, send with
    /// <see cref="GatewaySubscription.SendAsync(System.Text.Json.JsonElement, string?, CancellationToken)"/>, and dispose it to stop.
    /// </summary>
    public GatewaySubscription Connect(string path, SubscribeOptions? options = null)
    {
        ValidatePath(path);
        return GatewaySubscription.Start(this, path, options ?? new SubscribeOptions());
    }

    /// <summary>
    /// Subscribes to the push route at <paramref name="path"/> and yields its events until <paramref name="cancellationToken"/>
    /// is cancelled (the enumeration then ends with <see cref="OperationCanceledException"/>) or the subscription fails for
    /// good (<see cref="GatewayException"/>).
    /// </summary>
    public async IAsyncEnumerable<GatewayEvent> SubscribeAsync(
        string path, SubscribeOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var subscription = Connect(path, options);
        await foreach (var e in subscription.Events.WithCancellation(cancellationToken))
        {
            yield return e;
        }
    }

    /// <summary>Disposes the <see cref="HttpClient"/> this client created; a client passed in is left alone.</summary>
    public void Dispose()
    {
        if (ownsHttp)
        {
            Http.Dispose();
        }
    }

    /// <summary>An absolute URI for <paramref name="path"/> plus a query of the non-null <paramref name="query"/> values.</summary>
    internal Uri Resolve(string path, IEnumerable<KeyValuePair<string, string?>> query, bool webSocket = false)
    {
        var text = new StringBuilder(baseText).Append(path);
        var separator = '?';
        foreach (var (name, value) in query)
        {
            if (value is null)
            {
                continue;
            }

            text.Append(separator).Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }

        var uri = new Uri(text.ToString());
        if (!webSocket)
        {
            return uri;
        }

        return new UriBuilder(uri) { Scheme = uri.Scheme == Uri.UriSchemeHttps ? "wss" : "ws" }.Uri;
    }

    /// <summary>The bearer token from <see cref="GatewayClientOptions.AccessTokenProvider"/>, when there is one.</summary>
    internal async ValueTask<string?> AccessTokenAsync(CancellationToken cancellationToken) =>
        Options.AccessTokenProvider is { } provider ? await provider(cancellationToken) : null;

    private static void ValidatePath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!path.StartsWith('/') || path.Contains('?') || path.Contains('#'))
        {
            throw new ArgumentException("The path must start with '/' and carry no query or fragment, e.g. /orders/42/events.", nameof(path));
        }
    }
}
