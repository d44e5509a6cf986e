using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using XunitException = Xunit.Sdk.XunitException;

namespace Gateway.BrowserTests;

/// <summary>
/// A test page at the gateway's origin (written over the gateway's own <c>/_gateway/client.js</c> document, so it needs no file on the gateway)
/// that connects the browser client of <c>/_gateway/client.js</c> to the paths it is given and records, per path, the
/// <c>n</c> of every event and every state change in <c>window.mux</c>. It also counts the page's push connections as
/// Chromium sees them: WebSockets open plus requests to <c>/_gateway/stream</c> (not negotiate) in flight.
/// </summary>
internal sealed class MuxPage : IAsyncDisposable
{
    private const string Html = """
        <!doctype html><meta charset="utf-8"><title>multiplexing test page</title>
        <script type="module">
        import { connect, multiplexedStreams } from '/_gateway/client.js';
        const spec = JSON.parse(new URLSearchParams(location.search).get('spec'));
        const mux = { got: {}, ids: {}, states: {}, subs: {}, streams: multiplexedStreams };
        mux.open = (path) => {
          mux.got[path] = []; mux.ids[path] = []; mux.states[path] = [];
          mux.subs[path] = connect(path, {
            accessToken: spec.token ?? undefined,
            backoff: spec.backoff ?? undefined,
            random: spec.random == null ? undefined : () => spec.random,
            onEvent: (e) => { mux.got[path].push(e.data.n); mux.ids[path].push(e.id); },
            onState: (s) => mux.states[path].push({ state: s.state, transport: s.transport, reason: s.reason ?? null, at: Date.now() }),
          });
        };
        for (const path of spec.paths) mux.open(path);
        window.mux = mux;
        </script>
        """;

    private readonly IBrowserContext context;
    private readonly ITestOutputHelper output;
    private readonly object gate = new();
    private int requestsInFlight;
    private int socketsOpen;
    private int maxConnections;
    private int socketsOpened;

    private MuxPage(IBrowserContext context, IPage page, ITestOutputHelper output)
    {
        this.context = context;
        this.output = output;
        Page = page;
    }

    public IPage Page { get; }

    /// <summary>The most push connections the page held at once, as Chromium reported them.</summary>
    public int MaxConnections { get { lock (gate) { return maxConnections; } } }

    /// <summary>WebSockets the page opened so far.</summary>
    public int SocketsOpened { get { lock (gate) { return socketsOpened; } } }

    /// <summary>
    /// Opens the page at <paramref name="baseUrl"/> subscribing to <paramref name="paths"/>; <paramref name="spec"/> may add
    /// <c>token</c>, <c>backoff</c> and <c>random</c> for the client. <paramref name="beforeLoad"/> runs on the new
    /// context before the page loads (e.g. to install Playwright's clock).
    /// </summary>
    public static async Task<MuxPage> OpenAsync(ChromiumFixture chromium, string baseUrl, IEnumerable<string> paths, ITestOutputHelper output, JsonObject? spec = null, Func<IBrowserContext, Task>? beforeLoad = null)
    {
        var context = await chromium.Browser.NewContextAsync();
        try
        {
            if (beforeLoad is not null)
            {
                await beforeLoad(context);
            }

            var page = await context.NewPageAsync();
            var driver = new MuxPage(context, page, output);
            page.SetDefaultTimeout(20_000);
            page.Console += (_, m) => TestOutput.TryWriteLine(output, $"[page console.{m.Type}] {m.Text}");
            page.PageError += (_, e) => TestOutput.TryWriteLine(output, $"[page error] {e}");
            page.Request += (_, r) => driver.Track(r, +1);
            page.RequestFinished += (_, r) => driver.Track(r, -1);
            page.RequestFailed += (_, r) => driver.Track(r, -1);
            page.WebSocket += (_, ws) =>
            {
                driver.Count(ref driver.socketsOpen, +1, countOpened: true);
                ws.Close += (_, _) => driver.Count(ref driver.socketsOpen, -1);
            };
            spec ??= [];
            spec["paths"] = new JsonArray([.. paths.Select(p => (JsonNode)p)]);

            // A document the gateway itself answered (its client script), rewritten in place: a page Playwright made up
            // would have no address space, and Chromium's local-network checks would block its WebSockets to 127.0.0.1.
            await page.GotoAsync($"{baseUrl}/_gateway/client.js?spec={Uri.EscapeDataString(spec.ToJsonString())}");
            await page.SetContentAsync(Html);
            await driver.WaitAsync("() => window.mux !== undefined", null, "the page's script to start");
            return driver;
        }
        catch
        {
            await context.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until every path's subscription is connected on <paramref name="transport"/>.</summary>
    public Task WaitConnectedAsync(IEnumerable<string> paths, string transport) => WaitAsync(
        "([paths, t]) => paths.every(p => window.mux.subs[p].transport === t && window.mux.subs[p].state === 'connected')",
        new object[] { paths.ToArray(), transport },
        $"every subscription connected on {transport}");

    /// <summary>Waits until the page received at least <paramref name="count"/> events on each path.</summary>
    public Task WaitEventsAsync(IEnumerable<string> paths, int count) => WaitAsync(
        "([paths, n]) => paths.every(p => window.mux.got[p].length >= n)",
        new object[] { paths.ToArray(), count },
        $"{count} events on every path");

    /// <summary>The <c>n</c> of every event a path received, in order.</summary>
    public async Task<int[]> ReceivedAsync(string path) => await Page.EvaluateAsync<int[]>("p => window.mux.got[p]", path);

    /// <summary>The states a path's subscription went through.</summary>
    public async Task<string[]> StatesAsync(string path) => await Page.EvaluateAsync<string[]>("p => window.mux.states[p].map(s => s.state + (s.reason ? ':' + s.reason : ''))", path);

    /// <summary>The client's own view: its multiplexed streams (origin, transport, paths, transport connections opened).</summary>
    public async Task<JsonElement> StreamsAsync() => await Page.EvaluateAsync<JsonElement>("() => window.mux.streams()");

    /// <summary>Waits for a JavaScript condition (polled by Chromium), reporting the page's state on timeout.</summary>
    public async Task WaitAsync(string expression, object? arg, string what, int timeoutMs = 20_000)
    {
        try
        {
            await Page.WaitForFunctionAsync(expression, arg, new PageWaitForFunctionOptions { Timeout = timeoutMs, PollingInterval = 50 });
        }
        catch (TimeoutException)
        {
            throw new XunitException($"Timed out waiting for {what}. Page: {await DumpAsync()}");
        }
    }

    public async Task<string> DumpAsync()
    {
        try
        {
            return await Page.EvaluateAsync<string>("() => JSON.stringify({ streams: window.mux.streams(), got: window.mux.got, states: Object.fromEntries(Object.entries(window.mux.states).map(([p, s]) => [p, s.map(x => x.state + ':' + (x.transport ?? '') + ':' + (x.reason ?? ''))])) })");
        }
        catch (PlaywrightException e)
        {
            return $"(page not readable: {e.Message})";
        }
    }

    public async ValueTask DisposeAsync()
    {
        TestOutput.TryWriteLine(output, $"[page at end] {await DumpAsync()}");
        await context.DisposeAsync();
    }

    private void Track(IRequest request, int delta)
    {
        var url = new Uri(request.Url);
        if (url.AbsolutePath == "/_gateway/stream")
        {
            Count(ref requestsInFlight, delta);
        }
    }

    private void Count(ref int counter, int delta, bool countOpened = false)
    {
        lock (gate)
        {
            counter += delta;
            if (countOpened)
            {
                socketsOpened++;
            }

            maxConnections = Math.Max(maxConnections, requestsInFlight + socketsOpen);
        }
    }
}
